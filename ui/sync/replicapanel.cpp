#include "sync/replicapanel.h"

#include "common/pagepoller.h"
#include "sync/compacttable.h"
#include "sync/channelmodel.h"
#include "sync/scheduledialog.h"
#include "sync/schedulemodel.h"

#include <QGroupBox>
#include <QHBoxLayout>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace tiersync::ui {

namespace {

QString actionText(ReplicaService::Request request)
{
    switch (request) {
    case ReplicaService::Request::LoadSchedules: return ReplicaPanel::tr("load the schedules");
    case ReplicaService::Request::LoadChannels: return ReplicaPanel::tr("load the notification channels");
    case ReplicaService::Request::RunNow: return ReplicaPanel::tr("run");
    case ReplicaService::Request::Pause: return ReplicaPanel::tr("pause");
    case ReplicaService::Request::Resume: return ReplicaPanel::tr("resume");
    case ReplicaService::Request::Edit: return ReplicaPanel::tr("save");
    }
    return {};
}

}  // namespace

ReplicaPanel::ReplicaPanel(ReplicaService *service, QWidget *parent)
    : QWidget(parent),
      m_service(service),
      m_schedules(new ScheduleModel(this)),
      m_channels(new ChannelModel(this)),
      m_scheduleView(new QTableView(this)),
      m_channelView(new QTableView(this)),
      m_runNow(new QPushButton(tr("Run now"), this)),
      m_pause(new QPushButton(tr("Pause"), this)),
      m_edit(new QPushButton(tr("Edit…"), this)),
      m_scheduleStatus(new QLabel(this)),
      m_channelStatus(new QLabel(this)),
      m_poller(new PagePoller(this, kPollIntervalMs, QStringLiteral("replicaPollTimer"), [this] { poll(); }))
{
    m_schedules->setObjectName(QStringLiteral("scheduleModel"));
    m_channels->setObjectName(QStringLiteral("channelModel"));
    m_scheduleView->setObjectName(QStringLiteral("schedules"));
    m_channelView->setObjectName(QStringLiteral("channels"));
    m_runNow->setObjectName(QStringLiteral("scheduleRunNowButton"));
    m_pause->setObjectName(QStringLiteral("schedulePauseButton"));
    m_edit->setObjectName(QStringLiteral("scheduleEditButton"));
    m_scheduleStatus->setObjectName(QStringLiteral("scheduleStatus"));
    m_channelStatus->setObjectName(QStringLiteral("channelStatus"));

    m_scheduleView->setModel(m_schedules);
    m_channelView->setModel(m_channels);
    setUpCompactTable(m_scheduleView);
    setUpCompactTable(m_channelView);
    m_scheduleStatus->setWordWrap(true);
    m_channelStatus->setWordWrap(true);
    m_runNow->setToolTip(tr("Make it due now: a running tiersync serve runs it at its next tick"));

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_runNow);
    buttons->addWidget(m_pause);
    buttons->addWidget(m_edit);
    buttons->addWidget(m_scheduleStatus, 1);
    auto *schedulesBox = new QGroupBox(tr("Schedules — run by tiersync serve"), this);
    schedulesBox->setObjectName(QStringLiteral("schedulesBox"));
    auto *schedulesLayout = new QVBoxLayout(schedulesBox);
    schedulesLayout->addWidget(m_scheduleView, 1);
    schedulesLayout->addLayout(buttons);

    auto *channelsBox = new QGroupBox(tr("CRM notification channels"), this);
    channelsBox->setObjectName(QStringLiteral("channelsBox"));
    auto *channelsLayout = new QVBoxLayout(channelsBox);
    channelsLayout->addWidget(m_channelView, 1);
    channelsLayout->addWidget(m_channelStatus);

    auto *split = new QSplitter(Qt::Vertical, this);
    split->setObjectName(QStringLiteral("replicaSplit"));
    split->addWidget(schedulesBox);
    split->addWidget(channelsBox);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split);

    connect(m_runNow, &QPushButton::clicked, this, &ReplicaPanel::runNow);
    connect(m_pause, &QPushButton::clicked, this, &ReplicaPanel::togglePause);
    connect(m_edit, &QPushButton::clicked, this, &ReplicaPanel::editSelected);
    connect(m_scheduleView, &QTableView::doubleClicked, this, &ReplicaPanel::editSelected);
    connect(m_scheduleView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &ReplicaPanel::updateButtons);
    connect(m_schedules, &QAbstractItemModel::dataChanged, this, &ReplicaPanel::updateButtons);
    connect(m_schedules, &QAbstractItemModel::modelReset, this, &ReplicaPanel::updateButtons);
    if (m_service) {
        connect(m_service, &ReplicaService::schedulesLoaded, this, &ReplicaPanel::onSchedulesLoaded);
        connect(m_service, &ReplicaService::channelsLoaded, this, &ReplicaPanel::onChannelsLoaded);
        connect(m_service, &ReplicaService::scheduleChanged, this, &ReplicaPanel::onScheduleChanged);
        connect(m_service, &ReplicaService::failed, this, &ReplicaPanel::onFailed);
    }
    updateButtons();
}

ReplicaPanel::~ReplicaPanel() = default;

void ReplicaPanel::setProfile(const ConnectionProfile &profile)
{
    if (!m_service)
        return;
    m_service->setProfile(profile);
    m_pending = 0;
    m_poller->start();
}

void ReplicaPanel::poll()
{
    m_pending = 2;
    m_service->loadSchedules();
    m_service->loadChannels();
}

void ReplicaPanel::landed()
{
    if (m_pending > 0 && --m_pending == 0)
        m_poller->finished();
}

void ReplicaPanel::onSchedulesLoaded(const ScheduleSnapshot &snapshot)
{
    const QString selected = selectedName();
    m_schedules->setSnapshot(snapshot);
    if (const int row = m_schedules->rowOf(selected); row >= 0 && selectedRow() != row)
        m_scheduleView->selectRow(row);
    if (snapshot.schedules.isEmpty())
        m_scheduleStatus->setText(tr("No schedules."));
    landed();
}

void ReplicaPanel::onChannelsLoaded(const ChannelSnapshot &snapshot)
{
    m_channels->setSnapshot(snapshot);
    m_channelStatus->setText(
        snapshot.channels.isEmpty()
            ? tr("No notification channels: a tiersync serve with a public callback URL (--public-url or "
                 "TIERSYNC_PUBLIC_URL) and a CRM webhook token enables one per fed module.")
            : (snapshot.channels.size() == 1 ? tr("1 channel") : tr("%1 channels").arg(snapshot.channels.size()))
                + tr("; tiersync serve renews each well before it expires. %1 healthy: while a module's channel is "
                     "healthy its feed runs only as a safety net.")
                      .arg(std::count(snapshot.health.cbegin(), snapshot.health.cend(), ChannelHealth::Healthy)));
    landed();
}

void ReplicaPanel::onScheduleChanged(ReplicaService::Request request, const Schedule &schedule)
{
    m_schedules->updateSchedule(schedule);
    switch (request) {
    case ReplicaService::Request::RunNow:
        m_scheduleStatus->setText(
            tr("%1 is due now: a running tiersync serve runs it at its next tick.").arg(schedule.name));
        break;
    case ReplicaService::Request::Pause: m_scheduleStatus->setText(tr("%1 is paused.").arg(schedule.name)); break;
    case ReplicaService::Request::Resume: m_scheduleStatus->setText(tr("%1 runs again.").arg(schedule.name)); break;
    case ReplicaService::Request::Edit:
        m_scheduleStatus->setText(tr("%1 saved: %2.").arg(schedule.name, schedule.cadence()));
        break;
    default: break;
    }
    updateButtons();
}

void ReplicaPanel::onFailed(ReplicaService::Request request, const QString &name, const ServiceError &error)
{
    const QString what = name.isEmpty() ? actionText(request) : tr("%1 %2").arg(actionText(request), name);
    QString text = tr("Could not %1: %2").arg(what, error.describe());
    if (request == ReplicaService::Request::LoadChannels) {
        m_channelStatus->setText(text);
    } else {
        if (request == ReplicaService::Request::LoadSchedules)
            text += tr(" The schedules shown are the last ones loaded.");
        m_scheduleStatus->setText(text);
    }
    if (request == ReplicaService::Request::LoadSchedules || request == ReplicaService::Request::LoadChannels)
        landed();
}

int ReplicaPanel::selectedRow() const
{
    const QModelIndex current = m_scheduleView->currentIndex();
    return current.isValid() ? current.row() : -1;
}

QString ReplicaPanel::selectedName() const
{
    const int row = selectedRow();
    return row >= 0 ? m_schedules->stateAt(row).schedule.name : QString();
}

void ReplicaPanel::updateButtons()
{
    const int row = selectedRow();
    const bool selected = m_service && row >= 0;
    const bool paused = selected && !m_schedules->stateAt(row).schedule.enabled;
    m_runNow->setEnabled(selected && !paused);
    m_pause->setEnabled(selected);
    m_edit->setEnabled(selected);
    m_pause->setText(paused ? tr("Resume") : tr("Pause"));
}

void ReplicaPanel::runNow()
{
    if (const QString name = selectedName(); m_service && !name.isEmpty())
        m_service->runNow(name);
}

void ReplicaPanel::togglePause()
{
    const int row = selectedRow();
    if (!m_service || row < 0)
        return;
    const Schedule &schedule = m_schedules->stateAt(row).schedule;
    if (schedule.enabled)
        m_service->pause(schedule.name);
    else
        m_service->resume(schedule.name);
}

void ReplicaPanel::editSelected()
{
    const int row = selectedRow();
    if (!m_service || row < 0)
        return;
    auto *dialog = new ScheduleDialog(m_schedules->stateAt(row).schedule, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        if (dialog->isValid())
            m_service->edit(dialog->edit());
    });
    dialog->open();
}

}  // namespace tiersync::ui
