#pragma once

#include <QtGlobal>

#include <string>

namespace tiersync::sim {

// One generated record. Its JSON is kept serialised, so a page is a concatenation of
// bytes; it is rebuilt only when the record is mutated.
struct SimRecord final {
    std::string id;
    std::string json;
    qint64 createdS = 0;
    qint64 modifiedS = 0;
    quint32 revision = 0;  // bumped by each mutation; feeds the mutated content field
    int serial = 0;        // generation order: seeds the record's random draws
    int moodleUserId = 0;  // CRM: the student the record belongs to (Students: itself)
    std::string name;      // Books records the drift inserted: their name (else drawn from the serial)
};

}  // namespace tiersync::sim
