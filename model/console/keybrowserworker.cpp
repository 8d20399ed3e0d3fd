#include "console/keybrowserworker.h"

#include "console/connectioncheck.h"
#include "redis/redisbatch.h"
#include "redis/redisconnection.h"
#include "redis/redisscanner.h"

#include <QElapsedTimer>
#include <QSet>

namespace tiersync {

namespace {

QList<QByteArray> args(std::initializer_list<QByteArray> list)
{
    return QList<QByteArray>(list);
}

QByteArray n(qint64 value)
{
    return QByteArray::number(value);
}

}  // namespace

KeyBrowserWorker::KeyBrowserWorker(QObject *parent) : QObject(parent) {}

KeyBrowserWorker::~KeyBrowserWorker() = default;

void KeyBrowserWorker::setSettings(const RedisSettings &settings)
{
    m_settings = settings;
    m_scanner.reset();
    m_connection.reset();
}

RedisConnection &KeyBrowserWorker::connection()
{
    if (!m_connection)
        m_connection = std::make_unique<RedisConnection>(m_settings);
    return *m_connection;
}

void KeyBrowserWorker::startScan(quint64 generation, const QByteArray &match, int count)
{
    m_scanner.reset();
    m_generation = generation;
    m_scanner = std::make_unique<RedisScanner>(connection(), match, count);
    // One round trip; when it fails, the first page reports why.
    if (auto size = connection().command({"DBSIZE"}); size && size->isInteger())
        Q_EMIT scanSized(generation, size->integerValue());
}

void KeyBrowserWorker::fetchPage(quint64 generation)
{
    if (generation != m_generation || !m_scanner) {
        Q_EMIT pageFailed(generation, tr("This key list is out of date; refresh it."));
        return;
    }
    QElapsedTimer timer;
    timer.start();
    QList<QByteArray> keys;
    do {
        auto step = m_scanner->next();
        if (!step) {
            m_scanner.reset();
            Q_EMIT pageFailed(generation, describeForAdmin(ConnectionCheck::Service::Redis, step.error()));
            return;
        }
        keys.append(*step);
    } while (keys.isEmpty() && !m_scanner->atEnd() && timer.elapsed() < kMaxPageMs);
    Q_EMIT pageLoaded(generation, keys, m_scanner->atEnd());
}

void KeyBrowserWorker::loadDetails(const QByteArray &key)
{
    KeyDetails details;
    details.key = key;
    auto head = connection().pipeline({args({"TYPE", key}), args({"TTL", key}), args({"MEMORY", "USAGE", key})});
    if (!head) {
        Q_EMIT detailsFailed(key, describeForAdmin(ConnectionCheck::Service::Redis, head.error()));
        return;
    }
    details.type = QString::fromUtf8(head->at(0).bytes());
    details.ttlSeconds = head->at(1).integerValue();
    if (head->at(2).isInteger())
        details.memoryBytes = head->at(2).integerValue();
    const qint64 max = KeyDetails::kMaxElements;
    QList<QList<QByteArray>> commands;
    if (details.type == QLatin1String("string"))
        commands = {args({"STRLEN", key}), args({"GETRANGE", key, "0", n(KeyDetails::kMaxValueBytes - 1)})};
    else if (details.type == QLatin1String("hash"))
        commands = {args({"HLEN", key}), args({"HSCAN", key, "0", "COUNT", n(max)})};
    else if (details.type == QLatin1String("list"))
        commands = {args({"LLEN", key}), args({"LRANGE", key, "0", n(max - 1)})};
    else if (details.type == QLatin1String("set"))
        commands = {args({"SCARD", key}), args({"SSCAN", key, "0", "COUNT", n(max)})};
    else if (details.type == QLatin1String("zset"))
        commands = {args({"ZCARD", key}), args({"ZRANGE", key, "0", n(max - 1), "WITHSCORES"})};
    else if (details.type == QLatin1String("stream"))
        commands = {args({"XLEN", key}), args({"XRANGE", key, "-", "+", "COUNT", n(max)})};
    if (!commands.isEmpty()) {
        auto body = connection().pipeline(commands);
        if (!body) {
            Q_EMIT detailsFailed(key, describeForAdmin(ConnectionCheck::Service::Redis, body.error()));
            return;
        }
        const RedisReply &lengthReply = body->at(0);
        const RedisReply &valueReply = body->at(1);
        if (lengthReply.isError() || valueReply.isError()) {
            Q_EMIT detailsFailed(key, tr("Redis refused to read the key: %1")
                                          .arg(QString::fromUtf8(lengthReply.isError() ? lengthReply.bytes()
                                                                                       : valueReply.bytes())));
            return;
        }
        details.length = lengthReply.integerValue();
        if (details.type == QLatin1String("string")) {
            details.value = valueReply.bytes();
            details.truncated = details.length > details.value.size();
        } else {
            // SCAN-style replies are [cursor, items]; the others are the items.
            const bool scanned = details.type == QLatin1String("hash") || details.type == QLatin1String("set");
            const RedisReply itemsReply = scanned ? valueReply.elements().value(1) : valueReply;
            const QList<RedisReply> &items = itemsReply.elements();
            if (details.type == QLatin1String("hash") || details.type == QLatin1String("zset")) {
                for (qsizetype i = 0; i + 1 < items.size(); i += 2)
                    details.elements.append({items.at(i).bytes(), items.at(i + 1).bytes()});
            } else if (details.type == QLatin1String("list")) {
                for (qsizetype i = 0; i < items.size(); ++i)
                    details.elements.append({n(i), items.at(i).bytes()});
            } else if (details.type == QLatin1String("set")) {
                for (const RedisReply &item : items)
                    details.elements.append({item.bytes(), {}});
            } else {
                for (const RedisReply &entry : items) {
                    QByteArray fields;
                    const RedisReply fieldsReply = entry.elements().value(1);
                    const QList<RedisReply> &pairs = fieldsReply.elements();
                    for (qsizetype i = 0; i + 1 < pairs.size(); i += 2)
                        fields += pairs.at(i).bytes() + '=' + pairs.at(i + 1).bytes() + ' ';
                    const RedisReply idReply = entry.elements().value(0);
                    details.elements.append({idReply.bytes(), fields.trimmed()});
                }
            }
            details.truncated = details.length > details.elements.size();
        }
    }
    Q_EMIT detailsLoaded(details);
}

void KeyBrowserWorker::deleteKeys(const QList<QByteArray> &keys)
{
    RedisBatch batch(connection());
    auto removed = batch.unlinkMany(keys);
    if (!removed) {
        Q_EMIT deleteFailed(describeForAdmin(ConnectionCheck::Service::Redis, removed.error()));
        return;
    }
    Q_EMIT keysDeleted(keys, *removed);
}

void KeyBrowserWorker::countMatching(const QByteArray &match)
{
    m_cancel.store(false);
    QSet<QByteArray> seen;
    const Status walked = RedisScanner::forEachBatch(connection(), match, [&](const QList<QByteArray> &keys) {
        for (const QByteArray &key : keys)
            seen.insert(key);
        Q_EMIT patternProgress(match, seen.size());
        return !m_cancel.load();
    });
    if (!walked) {
        Q_EMIT patternFailed(match, describeForAdmin(ConnectionCheck::Service::Redis, walked.error()));
        return;
    }
    if (m_cancel.load()) {
        Q_EMIT patternFailed(match, tr("Counting was cancelled."));
        return;
    }
    Q_EMIT matchCounted(match, seen.size());
}

void KeyBrowserWorker::deleteMatching(const QByteArray &match)
{
    m_cancel.store(false);
    if (match.isEmpty() || match.count('*') == match.size()) {
        Q_EMIT patternFailed(match, tr("A pattern that matches every key is refused: that would empty the database."));
        return;
    }
    qint64 removed = 0;
    std::optional<Error> failure;
    RedisBatch batch(connection());
    const Status walked = RedisScanner::forEachBatch(connection(), match, [&](const QList<QByteArray> &keys) {
        auto unlinked = batch.unlinkMany(keys);
        if (!unlinked) {
            failure = unlinked.error();
            return false;
        }
        removed += *unlinked;
        Q_EMIT patternProgress(match, removed);
        return !m_cancel.load();
    });
    if (!walked || failure) {
        Q_EMIT patternFailed(match, describeForAdmin(ConnectionCheck::Service::Redis, failure ? *failure : walked.error()));
        return;
    }
    Q_EMIT matchDeleted(match, removed);
}

}  // namespace tiersync
