#pragma once

#include "simentity.h"
#include "simrecord.h"

#include <QJsonObject>
#include <QtGlobal>

#include <array>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tiersync::sim {

// The generated organisation: Books items and contacts, and the CRM student modules.
// Everything is a function of the seed and the counts, so two simulators started with
// the same flags serve byte-identical data. Not thread-safe: SimService guards it.
class SimDataSet final {
public:
    SimDataSet(quint64 seed, int products, int customers, int students);

    [[nodiscard]] quint64 seed() const { return m_seed; }
    [[nodiscard]] const std::vector<SimRecord> &records(SimEntity entity) const;
    [[nodiscard]] int size(SimEntity entity) const;
    [[nodiscard]] int indexOfId(SimEntity entity, std::string_view id) const;  // -1 if absent
    // CRM records of one student, in id order (Students: at most one).
    [[nodiscard]] const std::vector<int> &indicesOfMoodleUser(SimEntity entity,
                                                              int moodleUserId) const;
    // The record as a JSON object, for criteria on fields that have no index.
    [[nodiscard]] QJsonObject object(SimEntity entity, int index) const;

    // Changes the record's content field (see README) and moves its modification time
    // to max(previous + 1 s, nowS), then re-serialises it.
    void mutate(SimEntity entity, int index, qint64 nowS);
    // `count` distinct record indices drawn with `drawSeed`, for mutating a fraction.
    [[nodiscard]] std::vector<int> pickIndices(SimEntity entity, int count, quint64 drawSeed) const;

private:
    struct Student final {
        QString firstName;
        QString lastName;
        QString fullName;
        QString email;
        std::string id;
    };

    void generateBooks(SimEntity entity, int count);
    void generateStudents(int count);
    void generateChildren(SimEntity entity, int minPerStudent, int maxPerStudent);
    void index(SimEntity entity);
    [[nodiscard]] std::string build(SimEntity entity, const SimRecord &record) const;
    [[nodiscard]] QJsonObject buildProduct(const SimRecord &record) const;
    [[nodiscard]] QJsonObject buildCustomer(const SimRecord &record) const;
    [[nodiscard]] QJsonObject buildStudent(const SimRecord &record) const;
    [[nodiscard]] QJsonObject buildChild(SimEntity entity, const SimRecord &record) const;
    [[nodiscard]] Student student(int moodleUserId) const;

    quint64 m_seed;
    std::array<std::vector<SimRecord>, 7> m_records;
    std::array<std::unordered_map<std::string, int>, 7> m_byId;
    std::array<std::vector<std::vector<int>>, 7> m_byMoodleUser;  // [moodleUserId] → indices
};

}  // namespace tiersync::sim
