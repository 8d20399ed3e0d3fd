#pragma once

#include "console/scheduleedit.h"
#include "schedule/schedule.h"

#include <QDialog>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QRadioButton;

namespace tiersync::ui {

// Edits one schedule's cadence (an interval like "5m", or a 5-field cron expression in
// UTC) and whether it is enabled. The input is checked as it is typed, with the engine's
// own parsers (parseScheduleInterval, Schedule::validate, which reads the cron): OK stays
// disabled and the error says what is wrong until the cadence is valid.
class ScheduleDialog final : public QDialog {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ScheduleDialog)

public:
    explicit ScheduleDialog(const tiersync::Schedule &schedule, QWidget *parent = nullptr);
    ~ScheduleDialog() override;

    // The edit as entered; valid once isValid().
    [[nodiscard]] const ScheduleEdit &edit() const { return m_edit; }
    [[nodiscard]] bool isValid() const { return m_valid; }

private:
    void validate();

    Schedule m_schedule;
    ScheduleEdit m_edit;
    bool m_valid = false;
    QRadioButton *m_useInterval;
    QRadioButton *m_useCron;
    QLineEdit *m_interval;
    QLineEdit *m_cron;
    QCheckBox *m_enabled;
    QLabel *m_error;
    QDialogButtonBox *m_buttons;
};

}  // namespace tiersync::ui
