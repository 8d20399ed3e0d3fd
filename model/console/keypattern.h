#pragma once

#include <QByteArray>
#include <QString>

namespace tiersync {

// What the key browser's filter box means, in one place (the page shows the same rule
// as its placeholder text):
// - empty: every key;
// - text without '*': keys that START WITH the text (namespaced keys are browsed by
//   prefix: "tiersync:v1:ep:" narrows to the endpoint cache);
// - text with '*': a glob in which only '*' is special; ?, [, ] and \ match themselves.
// Everything the user typed is escaped (RedisScanner::escapeGlob) except '*', so a key
// containing glob characters can still be found literally.
class KeyPattern final {
public:
    [[nodiscard]] static QByteArray toScanMatch(const QString &text);
    // Whether a pattern would cover the whole keyspace ("", "*", "**"): pattern
    // invalidation refuses those, wiping a database is not an invalidation.
    [[nodiscard]] static bool matchesEverything(const QString &text);
};

}  // namespace tiersync
