#pragma once

#include <QString>
#include <QStringList>

namespace tiersync {

// One synchronised entity type as resources/entities.json describes it: where Zoho
// lists it, which field is its id and which its modification time, which fields are
// left out of the content hash, and which dashboard endpoints its changes affect.
struct EntityDefinition final {
    enum class Source {
        Books,  // Books/Inventory list: numbered pages (page=N), so pages can be fetched concurrently
        Crm,    // CRM module: page numbers up to 2,000 records, then page_token
    };

    QString name;               // [a-z0-9_-]+: "products", part of the Redis state key
    QString description;
    Source source = Source::Books;
    QString path;               // Books: "/books/v3/items"
    QString listKey;            // Books: "items" (the array in a list answer)
    QString entityKey;          // Books: "item" (the object in a single-entity answer)
    QString module;             // CRM: "Students"
    QString idField;            // "item_id", "contact_id", "id"
    QString modifiedField;      // "last_modified_time", "Modified_Time"
    QString moodleUserIdField;  // CRM students: the field naming the Moodle user; empty otherwise
    // Top-level fields left out of the content hash: they change without the content
    // changing (modification times, CRM's $-prefixed UI flags). Sorted.
    QStringList volatileFields;
    // Dashboard endpoints whose answers contain this entity: with moodleUserIdField set,
    // a change invalidates those endpoints' keys of that student (by name).
    QStringList affects;
    // The roster: the entity whose live rows say which students exist (students). A
    // roster row inserted or deleted regroups every fed endpoint of its student, so a
    // known student with no records of a module gets that module's empty answer.
    bool roster = false;
};

[[nodiscard]] QString entitySourceName(EntityDefinition::Source source);  // "books", "crm"

}  // namespace tiersync
