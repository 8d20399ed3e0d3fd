// WebhookProcessor: the records a CRM notification names — fetched from Zoho by id, or made
// from the notification's own affected_values where that is provably right.
#include "webhook/webhookprocessor.h"

#include "store/entityrepository.h"
#include "store/pgconnection.h"
#include "sync/contenthasher.h"
#include "webhook/notificationdelta.h"
#include "zoho/awaitresult.h"
#include "zoho/zohoapi.h"

#include <QFuture>

namespace tiersync {

namespace {

// Zoho's answer for this one id will not change on a retry (an id it calls invalid):
// skip the id instead of failing the delivery, which Zoho would redeliver forever.
bool isRefusal(const Error &error)
{
    return error.httpStatus >= 400 && error.httpStatus < 500 && error.httpStatus != 401 && error.httpStatus != 429;
}

}  // namespace

qint64 WebhookProcessor::getRecordsCalls(qsizetype ids)
{
    return (qint64(ids) + ZohoApi::kCrmIdsPerGet - 1) / ZohoApi::kCrmIdsPerGet;
}

Result<QList<WebhookProcessor::Fetched>> WebhookProcessor::fetchCrm(const EntityDefinition &entity,
                                                                    const QStringList &ids, qint64 &zohoCalls) const
{
    if (ids.isEmpty())
        return QList<Fetched>();
    if (!m_zohoClient)
        return makeError(ErrorKind::Unavailable, QStringLiteral("no Zoho client configured"));
    const ZohoApi api = ZohoApi(m_zohoClient).withPurpose(ZohoCallPurpose::Webhook);
    // Zoho's Get Records by id: one call per 100 ids, all submitted first (the client
    // runs them concurrently within its limits). An id an answer leaves out is asked
    // alone, so only Zoho's own 204 for that record marks it gone.
    QList<QFuture<Result<QList<QJsonObject>>>> batches;
    for (qsizetype from = 0; from < ids.size(); from += ZohoApi::kCrmIdsPerGet)
        batches.append(api.crmGetByIds(entity.module, ids.mid(from, ZohoApi::kCrmIdsPerGet)));
    zohoCalls += batches.size();
    Error failure;
    const auto noteFailure = [&failure](const Error &error) {
        if (failure.kind == ErrorKind::None)
            failure = error;
    };
    QHash<QString, QJsonObject> found;
    for (const auto &batch : std::as_const(batches)) {
        auto records = awaitResult(batch);  // every batch awaited: none may outlive this call
        if (!records) {
            if (!isRefusal(records.error()))  // a batch refused as a whole: its ids are asked alone
                noteFailure(records.error());
            continue;
        }
        for (const QJsonObject &record : std::as_const(*records))
            found.insert(record.value(QStringLiteral("id")).toString(), record);
    }
    if (failure.kind != ErrorKind::None)
        return failure;

    QStringList alone;
    QList<QFuture<Result<std::optional<QJsonObject>>>> calls;
    for (const QString &id : ids) {
        if (found.contains(id))
            continue;
        alone.append(id);
        calls.append(api.crmGet(entity.module, id));
    }
    zohoCalls += calls.size();
    QHash<QString, Fetched> single;
    for (qsizetype i = 0; i < calls.size(); ++i) {
        auto record = awaitResult(calls.at(i));
        if (!record && isRefusal(record.error()))
            single.insert(alone.at(i), Fetched{alone.at(i), std::nullopt, true, {}});
        else if (!record)
            noteFailure(record.error());  // still wait for the others
        else
            single.insert(alone.at(i), Fetched{alone.at(i), *record, false, {}});
    }
    if (failure.kind != ErrorKind::None)
        return failure;
    QList<Fetched> fetched;
    fetched.reserve(ids.size());
    for (const QString &id : ids) {
        if (const auto hit = found.constFind(id); hit != found.cend())
            fetched.append(Fetched{id, *hit, false, {}});
        else if (single.contains(id))
            fetched.append(single.value(id));
    }
    return fetched;
}

QList<WebhookProcessor::Fetched> WebhookProcessor::fromNotification(const EntityDefinition &entity,
                                                                    const QStringList &ids,
                                                                    const QHash<QString, QJsonObject> &values,
                                                                    qint64 serverTimeMs)
{
    QList<Fetched> made;
    if (values.isEmpty() || serverTimeMs < 0)
        return made;
    EntityRepository repository(PgConnection::forCurrentThread(m_pg));
    for (const QString &id : ids) {
        const auto delta = values.constFind(id);
        if (delta == values.cend() || delta->isEmpty())
            continue;
        auto stored = repository.get(entity.name, id);
        if (!stored || !stored->has_value())
            continue;  // unknown here (or PostgreSQL failing): fetched, as without values
        auto record = notificationdelta::merged(entity, **stored, *delta, serverTimeMs);
        if (record)
            made.append(Fetched{id, std::move(*record), false, (*stored)->row.contentHash});
    }
    return made;
}

}  // namespace tiersync
