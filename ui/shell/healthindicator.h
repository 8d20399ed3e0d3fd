#pragma once

#include <QLabel>

namespace tiersync {
struct ConnectionCheck;
}

namespace tiersync::ui {

// One service in the status bar: a coloured dot and its name; the tooltip says what
// the last check found, in words.
class HealthIndicator final : public QLabel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HealthIndicator)

public:
    enum class State { Unknown, Ok, Failing };

    HealthIndicator(const QString &service, QWidget *parent = nullptr);

    void setCheck(const tiersync::ConnectionCheck &check);
    void setUnknown(const QString &why);
    [[nodiscard]] State state() const { return m_state; }

private:
    void render(const QString &detail);

    QString m_service;
    State m_state = State::Unknown;
};

}  // namespace tiersync::ui
