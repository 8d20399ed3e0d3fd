#pragma once

#include <QLabel>

namespace tiersync::ui {

// One connection tile on the Overview: a title, a big value ("Connected", "ON",
// "Closed") and a line of detail, with a coloured edge for its state. A QLabel, so
// text() carries all three (tests and screen readers read it).
class StatusTile final : public QLabel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StatusTile)

public:
    enum class State { Unknown, Ok, Warning, Error };

    explicit StatusTile(const QString &title, QWidget *parent = nullptr);
    ~StatusTile() override;

    void setStatus(State state, const QString &value, const QString &detail);

    [[nodiscard]] State state() const { return m_state; }
    [[nodiscard]] const QString &value() const { return m_value; }
    [[nodiscard]] const QString &detail() const { return m_detail; }

private:
    QString m_title;
    State m_state = State::Unknown;
    QString m_value;
    QString m_detail;
};

}  // namespace tiersync::ui
