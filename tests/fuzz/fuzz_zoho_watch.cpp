// The CRM watch answers (model/zoho/zohowatchparser.h): enable / update / disable results
// and the channel list. Input: "<HTTP status> <expected items>\n<body>".
#include "fuzzcheck.h"
#include "zoho/zohoparser.h"
#include "zoho/zohowatchparser.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace tiersync;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QList<QByteArray> parts = fuzz::split(fuzz::bytes(data, size), 2);
    const QList<QByteArray> head = parts.at(0).simplified().split(' ');
    bool statusOk = false;
    int status = head.at(0).toInt(&statusOk);
    if (!statusOk)
        status = 200;
    const qsizetype expected = head.size() > 1 ? qBound(0, head.at(1).toInt(), 1000) : 1;

    // 204 has no body: an empty object, as the client passes it.
    QJsonObject json;
    if (const QJsonDocument document = QJsonDocument::fromJson(parts.at(1)); document.isObject())
        json = document.object();

    if (auto results = zohowatchparser::parseItemResults(status, json, expected)) {
        FUZZ_CHECK(results->size() == expected);
        FUZZ_CHECK(status == 200 || status == 207 || status == 400);
        for (const WatchItemResult &item : *results) {
            if (status == 200)
                FUZZ_CHECK(item.success);
            if (status == 400)
                FUZZ_CHECK(!item.success);
            if (item.expiry.isValid())
                FUZZ_CHECK(item.expiry.timeSpec() == Qt::UTC);
        }
    } else {
        FUZZ_CHECK(results.error().kind != ErrorKind::None && !results.error().message.isEmpty());
    }

    if (auto list = zohowatchparser::parseList(status, json)) {
        FUZZ_CHECK(status == 200 || status == 204);
        for (const WatchChannelInfo &channel : list->channels) {
            FUZZ_CHECK(!channel.channelId.isEmpty());
            FUZZ_CHECK(channel.expiry.isValid());
        }
        if (status == 200)
            FUZZ_CHECK(list->channels.size() == json.value(QLatin1String("watch")).toArray().size());
    } else {
        FUZZ_CHECK(list.error().kind != ErrorKind::None && !list.error().message.isEmpty());
    }
    return 0;
}
