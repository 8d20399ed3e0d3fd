#include "sync/scheduledialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>

namespace tiersync::ui {

ScheduleDialog::ScheduleDialog(const Schedule &schedule, QWidget *parent)
    : QDialog(parent),
      m_schedule(schedule),
      m_useInterval(new QRadioButton(tr("Every"), this)),
      m_useCron(new QRadioButton(tr("Cron (UTC)"), this)),
      m_interval(new QLineEdit(this)),
      m_cron(new QLineEdit(this)),
      m_enabled(new QCheckBox(tr("Enabled"), this)),
      m_error(new QLabel(this)),
      m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setObjectName(QStringLiteral("scheduleDialog"));
    setWindowTitle(tr("Edit schedule %1").arg(schedule.name));
    m_useInterval->setObjectName(QStringLiteral("scheduleUseInterval"));
    m_useCron->setObjectName(QStringLiteral("scheduleUseCron"));
    m_interval->setObjectName(QStringLiteral("scheduleInterval"));
    m_cron->setObjectName(QStringLiteral("scheduleCron"));
    m_enabled->setObjectName(QStringLiteral("scheduleEnabled"));
    m_error->setObjectName(QStringLiteral("scheduleError"));
    m_buttons->setObjectName(QStringLiteral("scheduleButtons"));

    m_interval->setPlaceholderText(tr("e.g. 5m, 1h, 300s"));
    m_cron->setPlaceholderText(tr("minute hour day month weekday, e.g. 0 3 * * *"));
    m_interval->setText(schedule.intervalSeconds ? formatScheduleInterval(*schedule.intervalSeconds) : QString());
    m_cron->setText(schedule.cron);
    (schedule.intervalSeconds ? m_useInterval : m_useCron)->setChecked(true);
    m_enabled->setChecked(schedule.enabled);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #b02020"));

    auto *mode = new QLabel(tr("Mode: %1 (a schedule per mode; the mode is part of its name)")
                                .arg(syncModeName(schedule.mode)),
                            this);
    mode->setObjectName(QStringLiteral("scheduleMode"));
    auto *form = new QFormLayout;
    form->addRow(m_useInterval, m_interval);
    form->addRow(m_useCron, m_cron);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(mode);
    layout->addLayout(form);
    layout->addWidget(m_enabled);
    layout->addWidget(m_error);
    layout->addWidget(m_buttons);

    connect(m_useInterval, &QRadioButton::toggled, this, &ScheduleDialog::validate);
    connect(m_interval, &QLineEdit::textChanged, this, &ScheduleDialog::validate);
    connect(m_cron, &QLineEdit::textChanged, this, &ScheduleDialog::validate);
    connect(m_enabled, &QCheckBox::toggled, this, &ScheduleDialog::validate);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    validate();
}

ScheduleDialog::~ScheduleDialog() = default;

void ScheduleDialog::validate()
{
    const bool interval = m_useInterval->isChecked();
    m_interval->setEnabled(interval);
    m_cron->setEnabled(!interval);

    Schedule candidate = m_schedule;
    candidate.intervalSeconds.reset();
    candidate.cron.clear();
    QString error;
    if (interval) {
        if (auto seconds = parseScheduleInterval(m_interval->text()))
            candidate.intervalSeconds = *seconds;
        else
            error = seconds.error().message;
    } else {
        candidate.cron = m_cron->text().simplified();
        if (candidate.cron.isEmpty())
            error = tr("Enter a cron expression: minute hour day-of-month month day-of-week, in UTC.");
    }
    if (error.isEmpty()) {
        if (Status valid = candidate.validate(); !valid)
            error = valid.error().message;
    }
    m_valid = error.isEmpty();
    m_error->setText(error);
    m_error->setVisible(!m_valid);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(m_valid);
    m_edit = ScheduleEdit{m_schedule.name, candidate.intervalSeconds, candidate.cron, m_enabled->isChecked()};
}

}  // namespace tiersync::ui
