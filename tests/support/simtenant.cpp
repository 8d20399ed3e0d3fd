#include "simtenant.h"

#include "simcontrol.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QtEndian>

namespace tiersync::test {

Result<ZohoSettings> ownSimTenant(const ZohoSettings &sim, const QString &label)
{
    const QByteArray digest = QCryptographicHash::hash(label.toUtf8(), QCryptographicHash::Sha256);
    const QString hex = QString::fromLatin1(digest.toHex());
    // 11 digits like the sandbox's 60000000001, starting with 7 so never the sandbox's own.
    const quint64 number = qFromBigEndian<quint64>(digest.constData()) % 10'000'000'000ULL;
    ZohoSettings tenant = sim;
    tenant.orgId = QStringLiteral("7%1").arg(number, 10, 10, QLatin1Char('0'));
    tenant.clientId = QStringLiteral("1000.TEST%1").arg(hex.mid(16, 20).toUpper());
    tenant.clientSecret = Secret(QStringLiteral("test-secret-%1").arg(hex.mid(0, 32)));
    tenant.refreshToken = Secret(QStringLiteral("1000.test-refresh-%1").arg(hex.mid(32, 32)));
    if (auto registered = simRegisterTenant(sim.apiBase, tenant); !registered)
        return makeError(registered.error().kind,
                         QStringLiteral("cannot register the test's zoho-sim tenant '%1': %2")
                             .arg(label, registered.error().message));
    return tenant;
}

QString testProcessLabel()
{
    const QString name = QCoreApplication::applicationName();
    return QStringLiteral("%1#%2").arg(name.isEmpty() ? QStringLiteral("test") : name)
        .arg(QCoreApplication::applicationPid());
}

}  // namespace tiersync::test
