#include "simcriteria.h"

#include <algorithm>

namespace tiersync::sim {

class SimCriteria::Parser final {
public:
    explicit Parser(const QString &text) : m_text(text) {}

    Result<Node> expression()
    {
        auto first = group();
        if (!first)
            return first;
        Node result = std::move(*first);
        std::optional<Node::Kind> joiner;
        while (true) {
            skipSpaces();
            if (atEnd() || peek() == QLatin1Char(')'))
                return result;
            Node::Kind kind;
            if (consumeWord(QLatin1String("and")))
                kind = Node::Kind::And;
            else if (consumeWord(QLatin1String("or")))
                kind = Node::Kind::Or;
            else
                return fail(QStringLiteral("expected 'and' or 'or'"));
            if (joiner && *joiner != kind)
                return fail(QStringLiteral("mixing 'and' and 'or' needs parentheses"));
            auto next = group();
            if (!next)
                return next;
            if (!joiner) {
                Node combined;
                combined.kind = kind;
                combined.children.push_back(std::move(result));
                result = std::move(combined);
                joiner = kind;
            }
            result.children.push_back(std::move(*next));
        }
    }

    [[nodiscard]] bool atEnd() const { return m_pos >= m_text.size(); }
    void skipSpaces()
    {
        while (!atEnd() && peek().isSpace())
            ++m_pos;
    }

private:
    [[nodiscard]] QChar peek() const { return m_text.at(m_pos); }

    Error fail(const QString &why) const
    {
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("%1 at position %2").arg(why).arg(m_pos));
    }

    bool consumeWord(QLatin1String word)
    {
        if (m_text.mid(m_pos, word.size()).compare(word, Qt::CaseInsensitive) != 0)
            return false;
        m_pos += word.size();
        return true;
    }

    Result<Node> group()
    {
        skipSpaces();
        if (atEnd() || peek() != QLatin1Char('('))
            return fail(QStringLiteral("expected '('"));
        ++m_pos;
        skipSpaces();
        Result<Node> inner = (!atEnd() && peek() == QLatin1Char('(')) ? expression() : condition();
        if (!inner)
            return inner;
        skipSpaces();
        if (atEnd() || peek() != QLatin1Char(')'))
            return fail(QStringLiteral("expected ')'"));
        ++m_pos;
        return inner;
    }

    Result<Node> condition()
    {
        // Field and operator never contain escapes; the value runs to the first
        // unescaped ')'.
        QString raw;
        QList<bool> escaped;
        while (!atEnd() && peek() != QLatin1Char(')')) {
            if (peek() == QLatin1Char('\\') && m_pos + 1 < m_text.size()) {
                raw.append(m_text.at(m_pos + 1));
                escaped.append(true);
                m_pos += 2;
                continue;
            }
            raw.append(peek());
            escaped.append(false);
            ++m_pos;
        }
        const qsizetype first = raw.indexOf(QLatin1Char(':'));
        const qsizetype second = first < 0 ? -1 : raw.indexOf(QLatin1Char(':'), first + 1);
        if (second < 0)
            return fail(QStringLiteral("expected field:operator:value"));
        Node node;
        node.field = raw.left(first).trimmed();
        node.op = raw.mid(first + 1, second - first - 1).trimmed().toLower();
        static const QStringList operators{
            QStringLiteral("equals"),       QStringLiteral("not_equal"),     QStringLiteral("starts_with"),
            QStringLiteral("in"),           QStringLiteral("greater_than"),  QStringLiteral("greater_equal"),
            QStringLiteral("less_than"),    QStringLiteral("less_equal")};
        if (node.field.isEmpty())
            return fail(QStringLiteral("empty field name"));
        if (!operators.contains(node.op))
            return fail(QStringLiteral("unsupported operator '%1'").arg(node.op));
        QString value;
        for (qsizetype i = second + 1; i < raw.size(); ++i) {
            if (node.op == QLatin1String("in") && raw.at(i) == QLatin1Char(',') && !escaped.at(i)) {
                node.values.append(value);
                value.clear();
            } else {
                value.append(raw.at(i));
            }
        }
        node.values.append(value);
        return node;
    }

    const QString &m_text;
    qsizetype m_pos = 0;
};

Result<SimCriteria> SimCriteria::parse(const QString &text)
{
    Parser parser(text);
    auto root = parser.expression();
    if (!root)
        return root.error();
    parser.skipSpaces();
    if (!parser.atEnd())
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("unbalanced ')'"));
    SimCriteria criteria;
    criteria.m_root = std::move(*root);
    return criteria;
}

bool SimCriteria::matches(const FieldLookup &fieldValue) const
{
    return evaluate(m_root, fieldValue);
}

std::optional<std::pair<QString, QString>> SimCriteria::singleEquals() const
{
    if (m_root.kind != Node::Kind::Condition || m_root.op != QLatin1String("equals"))
        return std::nullopt;
    return std::make_pair(m_root.field, m_root.values.value(0));
}

bool SimCriteria::evaluate(const Node &node, const FieldLookup &fieldValue)
{
    if (node.kind == Node::Kind::And) {
        for (const Node &child : node.children) {
            if (!evaluate(child, fieldValue))
                return false;
        }
        return true;
    }
    if (node.kind == Node::Kind::Or) {
        for (const Node &child : node.children) {
            if (evaluate(child, fieldValue))
                return true;
        }
        return false;
    }
    const std::optional<QString> actual = fieldValue(node.field);
    const QString &wanted = node.values.value(0);
    if (node.op == QLatin1String("equals"))
        return actual && actual->compare(wanted, Qt::CaseInsensitive) == 0;
    if (node.op == QLatin1String("not_equal"))
        return !actual || actual->compare(wanted, Qt::CaseInsensitive) != 0;
    if (node.op == QLatin1String("starts_with"))
        return actual && actual->startsWith(wanted, Qt::CaseInsensitive);
    if (node.op == QLatin1String("in")) {
        return actual && std::any_of(node.values.begin(), node.values.end(), [&](const QString &value) {
                   return actual->compare(value, Qt::CaseInsensitive) == 0;
               });
    }
    if (!actual)
        return false;
    // Numbers compare as numbers; dates and other text in ISO form compare as text.
    bool actualIsNumber = false;
    bool wantedIsNumber = false;
    const double actualNumber = actual->toDouble(&actualIsNumber);
    const double wantedNumber = wanted.toDouble(&wantedIsNumber);
    const int order = actualIsNumber && wantedIsNumber
                          ? (actualNumber < wantedNumber ? -1 : actualNumber > wantedNumber ? 1 : 0)
                          : actual->compare(wanted);
    if (node.op == QLatin1String("greater_than"))
        return order > 0;
    if (node.op == QLatin1String("greater_equal"))
        return order >= 0;
    if (node.op == QLatin1String("less_than"))
        return order < 0;
    return order <= 0;
}

}  // namespace tiersync::sim
