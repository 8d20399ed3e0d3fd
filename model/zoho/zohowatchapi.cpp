#include "zoho/zohowatchapi.h"

#include "zoho/awaitresult.h"
#include "zoho/pagingguard.h"
#include "zoho/zohoclient.h"
#include "zoho/zohorequest.h"
#include "zoho/zohowatchparser.h"

#include <QJsonDocument>
#include <QFuture>

namespace tiersync {

namespace {

template <typename T>
QFuture<Result<T>> failed(Error error)
{
    return QtFuture::makeReadyFuture(Result<T>(std::move(error)));
}

// The call with `parse` attached before it can finish (ZohoClient::submit(request, attach)).
template <typename T, typename Parse>
QFuture<Result<T>> submitThen(ZohoClient *client, ZohoRequest request, Parse parse)
{
    QFuture<Result<T>> mapped;
    (void)client->submit(std::move(request), [&](QFuture<Result<ZohoResponse>> &future) {
        mapped = future.then([parse](const Result<ZohoResponse> &response) -> Result<T> {
            if (!response)
                return response.error();
            return parse(*response);
        });
    });
    return mapped;
}

Error tooMany(qsizetype count, const char *what)
{
    return makeError(ErrorKind::InvalidArgument, QStringLiteral("actions/watch: %1 %2 (1 to %3 per call)")
                                                     .arg(count)
                                                     .arg(QLatin1String(what))
                                                     .arg(ZohoWatchApi::kMaxItemsPerCall));
}

}  // namespace

ZohoWatchApi::ZohoWatchApi(ZohoClient *client, QString crmVersion, ZohoCallPurpose purpose)
    : m_client(client)
    , m_crmVersion(std::move(crmVersion))
    , m_purpose(purpose)
{
}

QString ZohoWatchApi::path() const
{
    return QStringLiteral("/crm/%1/actions/watch").arg(m_crmVersion);
}

ZohoRequest ZohoWatchApi::request(QByteArray method) const
{
    ZohoRequest out = ZohoRequest::get(path());
    out.method = std::move(method);
    out.purpose = m_purpose;
    // Every item failed: still an answer, one error per item.
    out.answeredStatuses = {400};
    return out;
}

QFuture<Result<QList<WatchItemResult>>> ZohoWatchApi::subscribe(QByteArray method,
                                                                const QList<WatchSubscription> &subscriptions) const
{
    if (subscriptions.isEmpty() || subscriptions.size() > kMaxItemsPerCall)
        return failed<QList<WatchItemResult>>(tooMany(subscriptions.size(), "channels"));
    ZohoRequest call = request(std::move(method));
    call.body = QJsonDocument(zohowatchparser::subscribeBody(subscriptions)).toJson(QJsonDocument::Compact);
    call.contentType = QByteArrayLiteral("application/json");
    const qsizetype expected = subscriptions.size();
    return submitThen<QList<WatchItemResult>>(m_client, std::move(call), [expected](const ZohoResponse &response) {
        return zohowatchparser::parseItemResults(response.httpStatus, response.json, expected);
    });
}

QFuture<Result<QList<WatchItemResult>>> ZohoWatchApi::enable(const QList<WatchSubscription> &subscriptions) const
{
    return subscribe(QByteArrayLiteral("POST"), subscriptions);
}

QFuture<Result<QList<WatchItemResult>>> ZohoWatchApi::update(const QList<WatchSubscription> &subscriptions,
                                                             UpdateMode mode) const
{
    return subscribe(mode == UpdateMode::Replace ? QByteArrayLiteral("PUT") : QByteArrayLiteral("PATCH"),
                     subscriptions);
}

QFuture<Result<WatchListPage>> ZohoWatchApi::listPage(int page) const
{
    if (page < 1)
        return failed<WatchListPage>(makeError(ErrorKind::InvalidArgument, QStringLiteral("page must be >= 1")));
    ZohoRequest call = request(QByteArrayLiteral("GET"));
    call.answeredStatuses.clear();
    call.query.addQueryItem(QStringLiteral("page"), QString::number(page));
    call.query.addQueryItem(QStringLiteral("per_page"), QString::number(kPerPage));
    return submitThen<WatchListPage>(m_client, std::move(call), [](const ZohoResponse &response) {
        return zohowatchparser::parseList(response.httpStatus, response.json);
    });
}

Result<QList<WatchChannelInfo>> ZohoWatchApi::listAll() const
{
    QList<WatchChannelInfo> all;
    PagingGuard guard(QStringLiteral("actions/watch"), kMaxListPages);
    for (int page = 1;; ++page) {
        auto answer = awaitResult(listPage(page));
        if (!answer)
            return answer.error();
        PageFacts facts;
        facts.requestedPage = page;
        for (const WatchChannelInfo &channel : std::as_const(answer->channels))
            facts.keys.append(channel.channelId + QLatin1Char('/') + channel.module);
        facts.more = answer->moreRecords;
        if (Status going = guard.accept(facts); !going)
            return going.error();
        all.append(answer->channels);
        if (!answer->moreRecords)
            return all;
    }
}

QFuture<Result<QList<WatchItemResult>>> ZohoWatchApi::disable(const QStringList &channelIds) const
{
    if (channelIds.isEmpty() || channelIds.size() > kMaxItemsPerCall)
        return failed<QList<WatchItemResult>>(tooMany(channelIds.size(), "channel ids"));
    ZohoRequest call = request(QByteArrayLiteral("DELETE"));
    call.query.addQueryItem(QStringLiteral("channel_ids"), channelIds.join(QLatin1Char(',')));
    // Zoho answers one result per channel and module; ours have one module each.
    const qsizetype expected = channelIds.size();
    return submitThen<QList<WatchItemResult>>(m_client, std::move(call), [expected](const ZohoResponse &response) {
        return zohowatchparser::parseItemResults(response.httpStatus, response.json, expected);
    });
}

}  // namespace tiersync
