// Canonical JSON (core/canonicaljson.h), the bytes content hashes are computed over.
// Input: any JSON document.
#include "core/canonicaljson.h"
#include "fuzzcheck.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>

using namespace tiersync;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(fuzz::bytes(data, size), &error);
    if (error.error != QJsonParseError::NoError)
        return 0;
    const QJsonValue value = document.isObject() ? QJsonValue(document.object()) : QJsonValue(document.array());

    const QByteArray canonical = canonicaljson::serialize(value);
    // It is JSON, and canonical already: canon(canon(x)) == canon(x).
    QJsonParseError again;
    const QJsonDocument reread = QJsonDocument::fromJson(canonical, &again);
    FUZZ_CHECK(again.error == QJsonParseError::NoError);
    const QJsonValue rereadValue = reread.isObject() ? QJsonValue(reread.object()) : QJsonValue(reread.array());
    FUZZ_CHECK(canonicaljson::serialize(rereadValue) == canonical);
    // Qt's own spelling of the same document (another spacing, member order, number form)
    // gives the same bytes.
    const QJsonDocument respelled = QJsonDocument::fromJson(document.toJson(QJsonDocument::Indented));
    FUZZ_CHECK(canonicaljson::serialize(respelled.isObject() ? QJsonValue(respelled.object())
                                                              : QJsonValue(respelled.array()))
               == canonical);
    // appendObject appends, and dropping no member is serialize.
    if (value.isObject()) {
        QByteArray out("prefix");
        canonicaljson::appendObject(value.toObject(), {}, out);
        FUZZ_CHECK(out == "prefix" + canonical);
    }
    return 0;
}
