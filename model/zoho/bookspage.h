#pragma once

#include <QJsonObject>
#include <QList>

namespace tiersync {

// One page of a Books/Inventory list (`items`, `contacts`…).
struct BooksPage final {
    QList<QJsonObject> records;
    int page = 0;
    int perPage = 0;
    bool hasMorePage = false;
};

}  // namespace tiersync
