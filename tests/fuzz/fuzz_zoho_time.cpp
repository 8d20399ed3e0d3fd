// Zoho's times (sync/zohotime.h parseZohoTime, zoho/zohowatchparser.h parseTime and
// formatTime). Input: one time as text.
#include "fuzzcheck.h"
#include "sync/zohotime.h"
#include "zoho/zohowatchparser.h"

#include <QDateTime>
#include <QJsonValue>
#include <QRegularExpression>

using namespace tiersync;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString text = QString::fromUtf8(fuzz::bytes(data, size));

    // The hand parser agrees with Qt's ISO parser on both of Zoho's forms
    // ("+0530" Books, "+05:30" CRM): it is a shortcut, not another reading.
    const QDateTime zoho = parseZohoTime(QJsonValue(text));
    static const QRegularExpression zohoForm(
        QStringLiteral("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:?[0-9]{2}\\z"));
    if (zohoForm.match(text).hasMatch()) {
        QString iso = text;
        if (iso.size() == 24)
            iso.insert(22, QLatin1Char(':'));
        const QDateTime reference = QDateTime::fromString(iso, Qt::ISODate);
        FUZZ_CHECK(zoho.isValid() == reference.isValid());
        if (zoho.isValid())
            FUZZ_CHECK(zoho.toMSecsSinceEpoch() == reference.toMSecsSinceEpoch());
    }
    FUZZ_CHECK(!parseZohoTime(QJsonValue(double(size))).isValid());  // a number is not a time

    // The watch API's times: UTC or nothing, and what we write reads back the same.
    const QDateTime watch = zohowatchparser::parseTime(text);
    if (watch.isValid()) {
        FUZZ_CHECK(watch.timeSpec() == Qt::UTC);
        const QDateTime seconds = QDateTime::fromSecsSinceEpoch(watch.toSecsSinceEpoch(), Qt::UTC);
        const QString written = zohowatchparser::formatTime(seconds);
        FUZZ_CHECK(zohowatchparser::parseTime(written) == seconds);
    }
    return 0;
}
