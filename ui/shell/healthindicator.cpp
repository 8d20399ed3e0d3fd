#include "shell/healthindicator.h"

#include "console/connectioncheck.h"

namespace tiersync::ui {

HealthIndicator::HealthIndicator(const QString &service, QWidget *parent) : QLabel(parent), m_service(service)
{
    setTextFormat(Qt::RichText);
    setContentsMargins(6, 0, 6, 0);
    setUnknown(tr("not checked yet"));
}

void HealthIndicator::setCheck(const ConnectionCheck &check)
{
    m_state = check.ok ? State::Ok : State::Failing;
    render(QStringLiteral("%1\n%2").arg(check.target, check.message));
}

void HealthIndicator::setUnknown(const QString &why)
{
    m_state = State::Unknown;
    render(why);
}

void HealthIndicator::render(const QString &detail)
{
    const char *colour = m_state == State::Ok ? "#2e9d4f" : m_state == State::Failing ? "#d93025" : "#9aa0a6";
    const QString word = m_state == State::Ok ? tr("reachable") : m_state == State::Failing ? tr("unreachable")
                                                                                         : tr("unknown");
    setText(QStringLiteral("<span style=\"color:%1\">&#9679;</span> %2").arg(QLatin1String(colour), m_service));
    setToolTip(QStringLiteral("%1: %2\n%3").arg(m_service, word, detail));
    setAccessibleName(QStringLiteral("%1 %2").arg(m_service, word));
}

}  // namespace tiersync::ui
