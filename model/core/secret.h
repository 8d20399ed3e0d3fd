#pragma once

#include <QDebug>
#include <QString>

namespace tiersync {

// A password, client secret or refresh token. It can be read on purpose (reveal()),
// but printing it through qDebug or toString-style helpers shows only a mask, so a
// settings struct can be logged without leaking what it carries.
class Secret final {
public:
    Secret() = default;
    explicit Secret(QString value) : m_value(std::move(value)) {}

    [[nodiscard]] const QString &reveal() const { return m_value; }
    [[nodiscard]] bool isEmpty() const { return m_value.isEmpty(); }
    [[nodiscard]] QString masked() const;

    friend bool operator==(const Secret &, const Secret &) = default;

private:
    QString m_value;
};

QDebug operator<<(QDebug debug, const Secret &secret);

}  // namespace tiersync
