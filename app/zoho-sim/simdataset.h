#pragma once

#include "simentity.h"
#include "simrecord.h"

#include <QJsonObject>
#include <QtGlobal>

#include <array>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tiersync::sim {

// The generated organisation: Books items and contacts, and the CRM student modules.
// Everything is a function of the seed and the counts, so two simulators started with
// the same flags serve byte-identical data; records created, moved or deleted later are
// a function of those calls. Records stay in id order (new ids are always larger). Not
// thread-safe: SimService guards it.
class SimDataSet final {
public:
    // A CRM record gone to the recycle bin (or deleted permanently).
    struct Deleted final {
        std::string id;
        QString displayName;
        qint64 deletedS = 0;
        bool permanent = false;
    };

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

    // CRM only (simdatasetedit.cpp). A new record of `moodleUserId` with a never-used id,
    // created and modified at nowS; returns its index. Students: the caller makes sure the
    // Moodle user has no live student yet.
    int create(SimEntity entity, int moodleUserId, qint64 nowS);
    // The record now belongs to `moodleUserId` (Moodle_User_ID and Student change; for
    // Students the name fields follow); its modification time moves like mutate()'s.
    void move(SimEntity entity, int index, int moodleUserId, qint64 nowS);
    // Removes the records at `indices` (any order, no duplicates) into the deleted list
    // with deleted time nowS; indices of the remaining records shift.
    void remove(SimEntity entity, std::vector<int> indices, qint64 nowS, bool permanent);
    // Books only (simdatasetedit.cpp, for the drift fault): a new record with a never-used
    // id, created and modified at nowS, named so that the name-sorted list puts it right
    // after the record at anchorIndex; returns its index.
    int insertBooks(SimEntity entity, int anchorIndex, qint64 nowS);
    // The module's deleted records, oldest deletion first.
    [[nodiscard]] const std::vector<Deleted> &deleted(SimEntity entity) const;
    // The live student's id for a Moodle user, or nothing.
    [[nodiscard]] std::optional<std::string> studentIdOf(int moodleUserId) const;

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
    // A Books record's sort key: its name (items) or contact_name (contacts).
    [[nodiscard]] static std::string_view booksName(SimEntity entity, const SimRecord &record);
    [[nodiscard]] std::vector<int> &moodleSlot(std::size_t entitySlot, int moodleUserId);
    // A CRM id: the module's prefix and a 10-digit number (generated: the serial + 1, or the
    // Moodle id for Students; created Students: 1,000,000,000 + serial + 1).
    [[nodiscard]] static std::string crmId(SimEntity entity, quint64 number);
    [[nodiscard]] std::string build(SimEntity entity, const SimRecord &record) const;
    [[nodiscard]] QJsonObject buildProduct(const SimRecord &record) const;
    [[nodiscard]] QJsonObject buildCustomer(const SimRecord &record) const;
    [[nodiscard]] QJsonObject buildStudent(const SimRecord &record) const;
    [[nodiscard]] QJsonObject buildChild(SimEntity entity, const SimRecord &record) const;
    [[nodiscard]] Student student(int moodleUserId) const;

    quint64 m_seed;
    std::array<std::vector<SimRecord>, 7> m_records;
    std::array<std::unordered_map<std::string, int>, 7> m_byId;
    // [moodleUserId] → indices in id order; Moodle ids past the generated students (made by
    // create/move) live in the overflow map, so a large id costs no dense slots.
    std::array<std::vector<std::vector<int>>, 7> m_byMoodleUser;
    std::array<std::unordered_map<int, std::vector<int>>, 7> m_byMoodleUserOverflow;
    std::array<int, 7> m_nextSerial{};  // serial (and so id) of the next created record
    std::array<std::vector<Deleted>, 7> m_deleted;
};

}  // namespace tiersync::sim
