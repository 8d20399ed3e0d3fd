#include "simdrift.h"

#include "simdataset.h"
#include "simrandom.h"

#include <QJsonArray>

#include <algorithm>

namespace tiersync::sim {
namespace {

constexpr quint64 kDriftStream = 400;
constexpr int kMaxPerPage = 1000;
constexpr int kMaxPages = 100000;
constexpr int kKeptIds = 1000;  // per entity and kind, in /_sim/stats

Error bad(const QString &message)
{
    return makeError(ErrorKind::InvalidArgument, QStringLiteral("drift: %1").arg(message));
}

void append(QJsonObject &byEntity, SimEntity entity, const std::vector<std::string> &ids)
{
    const QString key = simEntityName(entity);
    QJsonArray list = byEntity.value(key).toArray();
    for (const std::string &id : ids)
        if (list.size() < kKeptIds)
            list.append(QString::fromStdString(id));
    byEntity.insert(key, list);
}

}  // namespace

QJsonObject SimDriftConfig::toJson() const
{
    return QJsonObject{{QStringLiteral("path"), path},
                       {QStringLiteral("inserts"), inserts},
                       {QStringLiteral("deletes"), deletes},
                       {QStringLiteral("pages"), pages},
                       {QStringLiteral("seed"), QString::number(seed)}};
}

Result<SimDriftConfig> SimDriftConfig::fromJson(const QJsonValue &value)
{
    SimDriftConfig config;
    if (value.isNull())
        return config;
    if (!value.isObject())
        return bad(QStringLiteral("expected an object {path, inserts, deletes, pages, seed}"));
    const QJsonObject object = value.toObject();
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString &key = it.key();
        const QJsonValue field = it.value();
        if (key == QLatin1String("path")) {
            if (!field.isString())
                return bad(QStringLiteral("path: expected a list path such as /books/v3/items"));
            config.path = field.toString();
        } else if (key == QLatin1String("inserts") || key == QLatin1String("deletes")) {
            const int count = field.toInt(-1);
            if (!field.isDouble() || count < 0 || count > kMaxPerPage)
                return bad(QStringLiteral("%1: expected 0..%2").arg(key).arg(kMaxPerPage));
            (key == QLatin1String("inserts") ? config.inserts : config.deletes) = count;
        } else if (key == QLatin1String("pages")) {
            config.pages = field.toInt(-1);
            if (!field.isDouble() || config.pages < 0 || config.pages > kMaxPages)
                return bad(QStringLiteral("pages: expected 0..%1").arg(kMaxPages));
        } else if (key == QLatin1String("seed")) {
            bool ok = field.isDouble() && field.toDouble() >= 0 && field.toDouble() == double(field.toInteger());
            quint64 seed = ok ? quint64(field.toInteger()) : 0;
            if (field.isString())
                seed = field.toString().toULongLong(&ok);
            if (!ok)
                return bad(QStringLiteral("seed: expected a non-negative integer"));
            config.seed = seed;
        } else {
            return bad(QStringLiteral("unknown key '%1'").arg(key));
        }
    }
    return config;
}

void SimDrift::configure(const SimDriftConfig &config)
{
    std::lock_guard lock(m_mutex);
    m_config = config;
    m_used = 0;
}

std::optional<SimDrift::Step> SimDrift::take(const std::string &path)
{
    std::lock_guard lock(m_mutex);
    if (!m_config.active() || m_used >= m_config.pages)
        return std::nullopt;
    if (!m_config.path.isEmpty() && m_config.path != QString::fromStdString(path))
        return std::nullopt;
    return Step{m_config.inserts, m_config.deletes, m_config.seed, m_used++};
}

void SimDrift::record(SimEntity entity, const Changes &changes)
{
    std::lock_guard lock(m_mutex);
    ++m_pages;
    m_inserted += qint64(changes.inserted.size());
    m_deleted += qint64(changes.deleted.size());
    append(m_insertedIds, entity, changes.inserted);
    append(m_deletedIds, entity, changes.deleted);
}

QJsonObject SimDrift::statsJson() const
{
    std::lock_guard lock(m_mutex);
    return QJsonObject{{QStringLiteral("pages"), m_pages},
                       {QStringLiteral("inserted"), m_inserted},
                       {QStringLiteral("deleted"), m_deleted},
                       {QStringLiteral("inserted_ids"), m_insertedIds},
                       {QStringLiteral("deleted_ids"), m_deletedIds}};
}

void SimDrift::resetStats()
{
    std::lock_guard lock(m_mutex);
    m_pages = 0;
    m_inserted = 0;
    m_deleted = 0;
    m_insertedIds = {};
    m_deletedIds = {};
}

SimDrift::Changes SimDrift::apply(SimDataSet &data, SimEntity entity, const Step &step, long long cursorEnd,
                                  qint64 nowS)
{
    SimRandom random(step.seed, kDriftStream + quint64(simEntityIndex(entity)), quint64(step.index));
    Changes changes;
    int ahead = int(std::clamp<long long>(cursorEnd, 0, data.size(entity)));

    // Deletions: distinct records on the pages already answered.
    const int deletes = std::min(step.deletes, ahead);
    std::vector<bool> taken(size_t(ahead), false);
    std::vector<int> doomed;
    for (int i = 0; i < deletes; ++i) {
        int at = random.range(0, ahead - 1);
        while (taken[size_t(at)])  // a free one exists: deletes <= ahead
            at = (at + 1) % ahead;
        taken[size_t(at)] = true;
        doomed.push_back(at);
    }
    const auto &records = data.records(entity);
    for (const int index : doomed)
        changes.deleted.push_back(records[size_t(index)].id);
    if (!doomed.empty())
        data.remove(entity, doomed, nowS, false);
    ahead -= deletes;

    // Insertions: Books ahead of the cursor (after a record already listed), CRM at the
    // end (the largest id so far).
    for (int i = 0; i < step.inserts; ++i) {
        int index = -1;
        if (!isCrmEntity(entity)) {
            if (ahead == 0)
                break;  // nothing listed yet to insert after
            index = data.insertBooks(entity, random.range(0, ahead - 1), nowS);
            ++ahead;
        } else if (entity == SimEntity::Students) {
            int moodleUserId = 2'000'000 + random.range(0, 999'999);
            while (data.studentIdOf(moodleUserId))
                ++moodleUserId;
            index = data.create(entity, moodleUserId, nowS);
        } else {
            const auto &list = data.records(entity);
            const int owner = list.empty() ? 1 : list[size_t(random.range(0, int(list.size()) - 1))].moodleUserId;
            index = data.create(entity, owner, nowS);
        }
        changes.inserted.push_back(data.records(entity)[size_t(index)].id);
    }
    return changes;
}

}  // namespace tiersync::sim
