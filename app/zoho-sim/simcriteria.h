#pragma once

#include "core/result.h"

#include <QString>
#include <QStringList>

#include <functional>
#include <optional>
#include <utility>
#include <vector>

namespace tiersync::sim {

// A CRM search criteria expression: "(Field:operator:value)", groups joined with
// "and"/"or" ("((A:equals:1)and(B:equals:2))"). Operators: equals, not_equal,
// starts_with, in, greater_than, greater_equal, less_than, less_equal. Values may
// escape "(", ")" and "," with a backslash, as Zoho asks.
class SimCriteria final {
public:
    [[nodiscard]] static Result<SimCriteria> parse(const QString &text);

    // `fieldValue` returns a record's field as text (std::nullopt when absent or null).
    using FieldLookup = std::function<std::optional<QString>(const QString &field)>;
    [[nodiscard]] bool matches(const FieldLookup &fieldValue) const;
    // (field, value) when the whole expression is one equals condition, so the caller
    // can answer from an index instead of scanning.
    [[nodiscard]] std::optional<std::pair<QString, QString>> singleEquals() const;

private:
    struct Node final {
        enum class Kind { Condition, And, Or };
        Kind kind = Kind::Condition;
        QString field;
        QString op;
        QStringList values;
        std::vector<Node> children;
    };
    class Parser;

    [[nodiscard]] static bool evaluate(const Node &node, const FieldLookup &fieldValue);

    Node m_root;
};

}  // namespace tiersync::sim
