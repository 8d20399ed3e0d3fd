// SimDataSet's edits: CRM records created for a Moodle user, moved to another one, and
// deleted into the module's deleted list; Books records inserted by the drift fault.
#include "simdataset.h"

#include <QJsonObject>

#include <algorithm>

namespace tiersync::sim {
namespace {

// Created Students take ids far above any generated one (those are the Moodle ids).
constexpr quint64 createdStudentIdBase = 1'000'000'000;

}  // namespace

int SimDataSet::create(SimEntity entity, int moodleUserId, qint64 nowS)
{
    const auto slot = static_cast<std::size_t>(simEntityIndex(entity));
    SimRecord record;
    record.serial = m_nextSerial[slot]++;
    record.moodleUserId = moodleUserId;
    const auto number = static_cast<quint64>(record.serial) + 1;
    record.id = crmId(entity, entity == SimEntity::Students ? createdStudentIdBase + number : number);
    record.createdS = nowS;
    record.modifiedS = nowS;
    record.json = build(entity, record);
    auto &list = m_records[slot];
    const int index = static_cast<int>(list.size());
    m_byId[slot].emplace(record.id, index);
    list.push_back(std::move(record));
    moodleSlot(slot, moodleUserId).push_back(index);  // the largest id: stays in id order
    return index;
}

void SimDataSet::move(SimEntity entity, int index, int moodleUserId, qint64 nowS)
{
    const auto slot = static_cast<std::size_t>(simEntityIndex(entity));
    SimRecord &record = m_records[slot][static_cast<std::size_t>(index)];
    if (record.moodleUserId != moodleUserId) {
        std::vector<int> &from = moodleSlot(slot, record.moodleUserId);
        from.erase(std::remove(from.begin(), from.end(), index), from.end());
        if (from.empty())
            m_byMoodleUserOverflow[slot].erase(record.moodleUserId);  // no-op for a dense slot
        std::vector<int> &to = moodleSlot(slot, moodleUserId);
        to.insert(std::lower_bound(to.begin(), to.end(), index), index);
        record.moodleUserId = moodleUserId;
    }
    record.modifiedS = std::max(record.modifiedS + 1, nowS);
    record.json = build(entity, record);
}

void SimDataSet::remove(SimEntity entity, std::vector<int> indices, qint64 nowS, bool permanent)
{
    const auto slot = static_cast<std::size_t>(simEntityIndex(entity));
    std::sort(indices.begin(), indices.end());
    auto &list = m_records[slot];
    std::vector<bool> gone(list.size(), false);
    for (const int index : indices) {
        gone[static_cast<std::size_t>(index)] = true;
        m_deleted[slot].push_back(Deleted{list[static_cast<std::size_t>(index)].id,
                                          object(entity, index).value(QLatin1String("Name")).toString(), nowS,
                                          permanent});
    }
    std::size_t kept = 0;
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (gone[i])
            continue;
        if (kept != i)
            list[kept] = std::move(list[i]);
        ++kept;
    }
    list.resize(kept);
    index(entity);
}

int SimDataSet::insertBooks(SimEntity entity, int anchorIndex, qint64 nowS)
{
    const auto slot = static_cast<std::size_t>(simEntityIndex(entity));
    auto &list = m_records[slot];
    SimRecord record;
    record.serial = m_nextSerial[slot]++;
    const QString prefix = entity == SimEntity::Products ? QStringLiteral("46") : QStringLiteral("47");
    record.id = (prefix + QStringLiteral("%1").arg(static_cast<quint64>(record.serial) + 1, 13, 10, QLatin1Char('0')))
                    .toStdString();
    // The anchor's name and a suffix sort right after the anchor (names are unique, none
    // is a prefix of another generated one); the serial keeps repeated anchors apart.
    record.name = std::string(booksName(entity, list[static_cast<std::size_t>(anchorIndex)]))
                  + QStringLiteral(" ~%1").arg(record.serial + 1, 5, 10, QLatin1Char('0')).toStdString();
    record.createdS = nowS;
    record.modifiedS = nowS;
    record.json = build(entity, record);
    const auto at = std::upper_bound(list.begin(), list.end(), record, [entity](const SimRecord &a, const SimRecord &b) {
        return booksName(entity, a) < booksName(entity, b);
    });
    const int position = static_cast<int>(at - list.begin());
    list.insert(at, std::move(record));
    index(entity);
    return position;
}

const std::vector<SimDataSet::Deleted> &SimDataSet::deleted(SimEntity entity) const
{
    return m_deleted[static_cast<std::size_t>(simEntityIndex(entity))];
}

}  // namespace tiersync::sim
