#include "cliprofile.h"

#include "core/keychainsecretstore.h"
#include "core/profilestore.h"

#include <QEventLoop>
#include <QHostInfo>
#include <QProcessEnvironment>
#include <QSettings>

namespace tiersync::cli {

Result<ConnectionProfile> takeConnectionProfile(QStringList &arguments)
{
    QString name;
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString &arg = arguments.at(i);
        if (arg == QLatin1String("--profile")) {
            if (i + 1 >= arguments.size())
                return makeError(ErrorKind::InvalidArgument, QStringLiteral("--profile needs a name"));
            name = arguments.at(i + 1);
            arguments.remove(i, 2);
            break;
        }
        if (arg.startsWith(QLatin1String("--profile="))) {
            name = arg.mid(10);
            arguments.remove(i);
            break;
        }
    }

    // The console writes profiles under the same organisation/application names.
    QSettings settings(QStringLiteral("TierSync"), QStringLiteral("tiersync"));
    ProfileStore store(settings);
    KeychainSecretStore secrets;
    std::optional<Result<ConnectionProfile>> resolved;
    QEventLoop loop;  // the CLI's own thread; keychain jobs report asynchronously
    store.resolve(name, secrets, QProcessEnvironment::systemEnvironment(), [&](Result<ConnectionProfile> profile) {
        resolved = std::move(profile);
        loop.quit();
    });
    if (!resolved)
        loop.exec();
    return *resolved;
}

QString whoAmI()
{
    QString user = qEnvironmentVariable("USER");
    if (user.isEmpty())
        user = QStringLiteral("unknown");
    return QStringLiteral("cli:%1@%2").arg(user, QHostInfo::localHostName());
}

}  // namespace tiersync::cli
