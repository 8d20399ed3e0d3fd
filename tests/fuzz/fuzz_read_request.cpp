// The API's request parsing (model/server/readrequest.h): the raw query string and the
// endpoint path segment of `/api/v1/extension/students/{endpoint}?…`.
// Input: "<endpoint, percent-encoded>\n<raw query>".
#include "fuzzcheck.h"
#include "server/readrequest.h"

#include <algorithm>

using namespace tiersync;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QList<QByteArray> parts = fuzz::split(fuzz::bytes(data, size), 2);
    // The path segment as the server hands it over: percent-decoded.
    const QString endpoint = QString::fromUtf8(QByteArray::fromPercentEncoding(parts.at(0)));
    const QByteArray &rawQuery = parts.at(1);

    const QList<QPair<QString, QString>> query = ReadRequest::parseQuery(rawQuery);
    // Every non-empty '&' item is kept, in order (repeats stay visible).
    qsizetype items = 0;
    for (const QByteArray &item : rawQuery.split('&'))
        items += item.isEmpty() ? 0 : 1;
    FUZZ_CHECK(query.size() == items);

    auto request = ReadRequest::parse(endpoint, query);
    if (request) {
        FUZZ_CHECK(request->moodleUserId >= 1 && request->moodleUserId <= ReadRequest::kMaxMoodleUserId);
        FUZZ_CHECK(!request->endpoint.isEmpty() && request->endpoint.size() <= ReadRequest::kMaxEndpointNameLength);
        // The endpoint name becomes part of a Redis key: [a-z0-9_-] only.
        FUZZ_CHECK(std::all_of(request->endpoint.cbegin(), request->endpoint.cend(), [](QChar c) {
            return (c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9') || c == u'_' || c == u'-';
        }));
        int ids = 0;
        for (const auto &item : query)
            ids += item.first == QLatin1String("moodle_user_id") ? 1 : 0;
        FUZZ_CHECK(ids == 1);  // known parameters appear once
    } else {
        const ErrorKind kind = request.error().kind;
        FUZZ_CHECK(kind == ErrorKind::InvalidArgument || kind == ErrorKind::NotFound);
    }

    for (const auto &item : query) {
        // A valid id is canonical digits: it prints back as it was written.
        if (auto id = ReadRequest::parseMoodleUserId(item.second)) {
            FUZZ_CHECK(*id >= 1 && *id <= ReadRequest::kMaxMoodleUserId);
            FUZZ_CHECK(QString::number(*id) == item.second);
        }
        if (auto flag = ReadRequest::parseFlag(item.first, item.second)) {
            const QString &t = item.second;
            FUZZ_CHECK(t == QLatin1String("true") || t == QLatin1String("false") || t == QLatin1String("1")
                       || t == QLatin1String("0"));
            FUZZ_CHECK(*flag == (t == QLatin1String("true") || t == QLatin1String("1")));
        }
    }
    return 0;
}
