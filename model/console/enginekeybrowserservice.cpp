#include "console/enginekeybrowserservice.h"

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

ServiceError redisError(const Error &error)
{
    return {ConnectionCheck::Service::Redis, error};
}

// The value part of KeyDetails from the second pipeline's [length, value] replies.
void readValue(KeyDetails &details, const RedisReply &lengthReply, const RedisReply &valueReply)
{
    details.length = lengthReply.integerValue();
    if (details.type == QLatin1String("string")) {
        details.value = valueReply.bytes();
        details.truncated = details.length > details.value.size();
        return;
    }
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

// The commands that read a key's length and (the start of) its value, by type.
QList<QList<QByteArray>> valueCommands(const QString &type, const QByteArray &key)
{
    const qint64 max = KeyDetails::kMaxElements;
    if (type == QLatin1String("string"))
        return {args({"STRLEN", key}), args({"GETRANGE", key, "0", n(KeyDetails::kMaxValueBytes - 1)})};
    if (type == QLatin1String("hash"))
        return {args({"HLEN", key}), args({"HSCAN", key, "0", "COUNT", n(max)})};
    if (type == QLatin1String("list"))
        return {args({"LLEN", key}), args({"LRANGE", key, "0", n(max - 1)})};
    if (type == QLatin1String("set"))
        return {args({"SCARD", key}), args({"SSCAN", key, "0", "COUNT", n(max)})};
    if (type == QLatin1String("zset"))
        return {args({"ZCARD", key}), args({"ZRANGE", key, "0", n(max - 1), "WITHSCORES"})};
    if (type == QLatin1String("stream"))
        return {args({"XLEN", key}), args({"XRANGE", key, "-", "+", "COUNT", n(max)})};
    return {};
}

}  // namespace

EngineKeyBrowserService::EngineKeyBrowserService(std::shared_ptr<ServiceThread> loads, QObject *parent)
    : KeyBrowserService(parent),
      // One pattern job at a time (the page runs one), on a thread that ends with it.
      m_patternJobs(QStringLiteral("console-keys-pattern"), 0),
      m_lane(loads ? std::move(loads) : std::make_shared<ServiceThread>(QStringLiteral("console-keys")))
{
}

EngineKeyBrowserService::~EngineKeyBrowserService()
{
    stop();
}

void EngineKeyBrowserService::stop()
{
    if (m_stopped)
        return;
    m_stopped = true;
    m_patternJobs.stop();
    m_lane.close();
}

void EngineKeyBrowserService::answer(std::function<void()> emitter)
{
    // Dropped by Qt if the service is gone by then.
    QMetaObject::invokeMethod(this, std::move(emitter), Qt::QueuedConnection);
}

void EngineKeyBrowserService::fail(Request call, quint64 request, const ServiceError &error)
{
    answer([this, call, request, error] { Q_EMIT failed(call, request, error); });
}

void EngineKeyBrowserService::setSettings(const RedisSettings &settings)
{
    if (m_stopped)
        return;
    m_settings = settings;
    m_lane.post([this, settings] {
        m_laneSettings = settings;
        m_scanner.reset();
        m_laneConnection.reset();
    });
}

RedisConnection &EngineKeyBrowserService::laneConnection()
{
    if (!m_laneConnection)
        m_laneConnection = std::make_unique<RedisConnection>(m_laneSettings);
    return *m_laneConnection;
}

quint64 EngineKeyBrowserService::startScan(const QByteArray &match, int count)
{
    if (m_stopped)
        return 0;
    const quint64 scan = ++m_lastRequest;
    m_lane.post([this, scan, match, count] {
        m_scanner.reset();
        m_scan = scan;
        m_scanner = std::make_unique<RedisScanner>(laneConnection(), match, count);
        // One round trip; when it fails, the first page reports why.
        if (auto size = laneConnection().command({"DBSIZE"}); size && size->isInteger())
            answer([this, scan, keys = size->integerValue()] { Q_EMIT scanSized(scan, keys); });
    });
    return scan;
}

void EngineKeyBrowserService::fetchPage(quint64 scan)
{
    if (m_stopped)
        return;
    m_lane.post([this, scan] { readPage(scan); });
}

void EngineKeyBrowserService::readPage(quint64 scan)
{
    if (scan != m_scan || !m_scanner) {
        fail(Request::Scan, scan,
             {std::nullopt, makeError(ErrorKind::InvalidArgument, tr("This key list is out of date; refresh it."))});
        return;
    }
    QElapsedTimer timer;
    timer.start();
    QList<QByteArray> keys;
    do {
        auto step = m_scanner->next();
        if (!step) {
            m_scanner.reset();
            fail(Request::Scan, scan, redisError(step.error()));
            return;
        }
        keys.append(*step);
    } while (keys.isEmpty() && !m_scanner->atEnd() && timer.elapsed() < kMaxPageMs);
    answer([this, scan, keys, atEnd = m_scanner->atEnd()] { Q_EMIT pageLoaded(scan, keys, atEnd); });
}

quint64 EngineKeyBrowserService::loadDetails(const QByteArray &key)
{
    if (m_stopped)
        return 0;
    const quint64 request = ++m_lastRequest;
    m_lane.post([this, request, key] { readDetails(request, key); });
    return request;
}

void EngineKeyBrowserService::readDetails(quint64 request, const QByteArray &key)
{
    KeyDetails details;
    details.key = key;
    RedisConnection &redis = laneConnection();
    auto head = redis.pipeline({args({"TYPE", key}), args({"TTL", key}), args({"MEMORY", "USAGE", key})});
    if (!head)
        return fail(Request::Details, request, redisError(head.error()));
    details.type = QString::fromUtf8(head->at(0).bytes());
    details.ttlSeconds = head->at(1).integerValue();
    if (head->at(2).isInteger())
        details.memoryBytes = head->at(2).integerValue();
    if (const QList<QList<QByteArray>> commands = valueCommands(details.type, key); !commands.isEmpty()) {
        auto body = redis.pipeline(commands);
        if (!body)
            return fail(Request::Details, request, redisError(body.error()));
        const RedisReply &lengthReply = body->at(0);
        const RedisReply &valueReply = body->at(1);
        // The key changed type between the two round trips, or the server refused a read.
        if (lengthReply.isError() || valueReply.isError()) {
            const QByteArray refusal = lengthReply.isError() ? lengthReply.bytes() : valueReply.bytes();
            return fail(Request::Details, request,
                        redisError(makeError(ErrorKind::Server, tr("Redis refused to read the key: %1")
                                                                    .arg(QString::fromUtf8(refusal)))));
        }
        readValue(details, lengthReply, valueReply);
    }
    answer([this, request, details] { Q_EMIT detailsLoaded(request, details); });
}

quint64 EngineKeyBrowserService::deleteKeys(const QList<QByteArray> &keys)
{
    if (m_stopped)
        return 0;
    const quint64 request = ++m_lastRequest;
    m_lane.post([this, request, keys] {
        RedisBatch batch(laneConnection());
        auto removed = batch.unlinkMany(keys);
        if (!removed)
            return fail(Request::Delete, request, redisError(removed.error()));
        answer([this, request, keys, removed = *removed] { Q_EMIT keysDeleted(request, keys, removed); });
    });
    return request;
}

quint64 EngineKeyBrowserService::countMatching(const QByteArray &match)
{
    return startPatternJob(Request::CountMatching, match);
}

quint64 EngineKeyBrowserService::deleteMatching(const QByteArray &match)
{
    if (m_stopped)
        return 0;
    if (match.isEmpty() || match.count('*') == match.size()) {
        const quint64 request = ++m_lastRequest;
        fail(Request::DeleteMatching, request,
             {std::nullopt, makeError(ErrorKind::InvalidArgument,
                                      tr("A pattern that matches every key is refused: that would empty the "
                                         "database."))});
        return request;
    }
    return startPatternJob(Request::DeleteMatching, match);
}

quint64 EngineKeyBrowserService::startPatternJob(Request call, const QByteArray &match)
{
    if (m_stopped)
        return 0;
    const quint64 request = ++m_lastRequest;
    m_patternJobs.start(request, [this, call, request, settings = m_settings, match](const std::shared_ptr<CancelToken> &cancelled) {
        walkPattern(call, request, settings, match, cancelled);
    });
    return request;
}

void EngineKeyBrowserService::cancel(quint64 request)
{
    m_patternJobs.cancel(request);
}

void EngineKeyBrowserService::walkPattern(Request call, quint64 request, const RedisSettings &settings,
                                          const QByteArray &match, const std::shared_ptr<CancelToken> &cancelled)
{
    // Every answer of the job ends it, on the service's thread.
    const auto finish = [this, request](std::function<void()> emitter) {
        answer([this, request, emitter = std::move(emitter)] {
            m_patternJobs.finished(request);
            emitter();
        });
    };
    const auto failWith = [&](const ServiceError &error) {
        finish([this, call, request, error] { Q_EMIT failed(call, request, error); });
    };
    const auto progress = [&](qint64 soFar) {
        answer([this, request, match, soFar] { Q_EMIT patternProgress(request, match, soFar); });
    };
    RedisConnection redis(settings);
    if (call == Request::CountMatching) {
        QSet<QByteArray> seen;
        const Status walked = RedisScanner::forEachBatch(redis, match, [&](const QList<QByteArray> &keys) {
            for (const QByteArray &key : keys)
                seen.insert(key);
            progress(seen.size());
            return !cancelled->isCancelled();
        });
        if (!walked)
            return failWith(redisError(walked.error()));
        if (cancelled->isCancelled())
            return failWith({std::nullopt, makeError(ErrorKind::Cancelled, tr("Counting was cancelled."))});
        return finish([this, request, match, count = qint64(seen.size())] { Q_EMIT matchCounted(request, match, count); });
    }
    qint64 removed = 0;
    std::optional<Error> failure;
    RedisBatch batch(redis);
    const Status walked = RedisScanner::forEachBatch(redis, match, [&](const QList<QByteArray> &keys) {
        auto unlinked = batch.unlinkMany(keys);
        if (!unlinked) {
            failure = unlinked.error();
            return false;
        }
        removed += *unlinked;
        progress(removed);
        return !cancelled->isCancelled();
    });
    if (!walked || failure)
        return failWith(redisError(failure ? *failure : walked.error()));
    finish([this, request, match, removed] { Q_EMIT matchDeleted(request, match, removed); });
}

}  // namespace tiersync
