#include "privatezohosim.h"

namespace tiersync::test {

Result<std::unique_ptr<PrivateZohoSim>> PrivateZohoSim::start(const QStringList &arguments)
{
    const QString executable = qEnvironmentVariable("TIERSYNC_ZOHO_SIM");
    if (executable.isEmpty())
        return makeError(ErrorKind::Unavailable,
                         QStringLiteral("TIERSYNC_ZOHO_SIM is not set: run the test through ctest"));
    std::unique_ptr<PrivateZohoSim> sim(new PrivateZohoSim);
    if (!sim->m_directory.isValid())
        return makeError(ErrorKind::Internal, QStringLiteral("cannot create a temporary directory"));
    sim->m_process = std::make_unique<sandbox::ZohoSimProcess>(
        sandbox::ZohoSimProcess::Options{executable, sim->m_directory.path(), 0, arguments});
    if (auto started = sim->m_process->start(); !started)
        return started.error();
    return sim;
}

PrivateZohoSim::~PrivateZohoSim()
{
    if (m_process)
        m_process->stop();
}

ZohoSettings PrivateZohoSim::settings() const
{
    return m_process->settings();
}

QString PrivateZohoSim::apiBase() const
{
    return m_process->settings().apiBase;
}

}  // namespace tiersync::test
