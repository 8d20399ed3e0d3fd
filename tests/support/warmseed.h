#pragma once

#include "core/result.h"

namespace tiersync {
class PgConnection;
}

namespace tiersync::test {

// What warming has to read from PostgreSQL, the same for the Cache page and its worker:
// snapshots of endpoints "profile" and "academics" for Moodle users 101, 102 and 103
// (6 endpoint keys) and 4 rows of entity type "products" (4 entity keys).
[[nodiscard]] Status seedWarmableRows(PgConnection &connection);

}  // namespace tiersync::test
