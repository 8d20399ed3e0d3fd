// Books and CRM pages (model/zoho/zohoparser.h): the body of a 2xx answer, then every
// page and record parser over it. Input: "<HTTP status>\n<body>".
#include "fuzzcheck.h"
#include "zoho/zohoparser.h"

#include <QJsonArray>
#include <QJsonObject>

#include <algorithm>

using namespace tiersync;

namespace {

void checkError(const Error &error)
{
    FUZZ_CHECK(error.kind != ErrorKind::None);
    FUZZ_CHECK(!error.message.isEmpty());
}

void checkPages(int status, const QJsonObject &json)
{
    if (auto books = zohoparser::parseBooksPage(json, QStringLiteral("items"))) {
        FUZZ_CHECK(books->records.size() == json.value(QLatin1String("items")).toArray().size());
        FUZZ_CHECK(zohoparser::checkBooksCode(json).ok());
    } else {
        checkError(books.error());
    }
    if (auto entity = zohoparser::parseBooksEntity(json, QStringLiteral("item")))
        FUZZ_CHECK(*entity == json.value(QLatin1String("item")).toObject());
    else
        checkError(entity.error());

    if (auto page = zohoparser::parseCrmPage(json)) {
        FUZZ_CHECK(page->records.size() == json.value(QLatin1String("data")).toArray().size());
        FUZZ_CHECK(!page->notModified);
    } else {
        checkError(page.error());
    }
    auto answer = zohoparser::parseCrmListAnswer(status, json);
    if (status == 304) {
        // Not Modified is "unchanged", never an empty listing that would replace data.
        FUZZ_CHECK(answer.ok() && answer->notModified && answer->records.isEmpty() && !answer->moreRecords);
    } else if (answer) {
        FUZZ_CHECK(status == 200 || status == 204);
        FUZZ_CHECK(!answer->notModified);
    } else {
        checkError(answer.error());
    }

    if (auto deleted = zohoparser::parseCrmDeletedPage(status, json)) {
        for (const CrmDeletedRecord &record : deleted->records) {
            // A deletion names one record by its digits, nothing else.
            FUZZ_CHECK(!record.id.isEmpty() && record.id.size() <= 30);
            FUZZ_CHECK(std::all_of(record.id.cbegin(), record.id.cend(),
                                   [](QChar c) { return c >= u'0' && c <= u'9'; }));
            FUZZ_CHECK(record.deletedTime.isValid());
            FUZZ_CHECK(record.deletedTime.timeSpec() == Qt::UTC);
        }
        if (status != 200)
            FUZZ_CHECK(deleted->records.isEmpty() && !deleted->moreRecords);
    } else {
        checkError(deleted.error());
    }
    if (auto records = zohoparser::parseCrmRecords(json))
        FUZZ_CHECK(records->size() == json.value(QLatin1String("data")).toArray().size());
    else
        checkError(records.error());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QList<QByteArray> parts = fuzz::split(fuzz::bytes(data, size), 2);
    bool statusOk = false;
    const int status = parts.at(0).trimmed().toInt(&statusOk);
    const QByteArray &body = parts.at(1);

    auto json = zohoparser::parseJsonObject(body, "application/json;charset=UTF-8");
    if (!json) {
        checkError(json.error());
        FUZZ_CHECK(json.error().kind == ErrorKind::Protocol);
        return 0;
    }
    // The size limit holds: one byte less is refused.
    if (body.size() > 1)
        FUZZ_CHECK(!zohoparser::parseJsonObject(body, "application/json", body.size() - 1).ok());
    // An HTML content type is never read as JSON.
    FUZZ_CHECK(!zohoparser::parseJsonObject(body, "text/html").ok());
    checkPages(statusOk ? status : 200, *json);
    return 0;
}
