#include "cliprofile.h"

#include "core/keychainsecretstore.h"
#include "core/profilestore.h"
#include "tunnel/profiletunnel.h"

#include <QEventLoop>
#include <QHostInfo>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QSettings>

#include <optional>

namespace tiersync::cli {

namespace {

// Takes `--name VALUE` or `--name=VALUE` out of arguments.
Result<std::optional<QString>> takeOption(QStringList &arguments, const QString &name)
{
    const QString prefix = name + QLatin1Char('=');
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString &arg = arguments.at(i);
        if (arg == name) {
            if (i + 1 >= arguments.size())
                return makeError(ErrorKind::InvalidArgument, QStringLiteral("%1 needs a value").arg(name));
            const QString value = arguments.at(i + 1);
            arguments.remove(i, 2);
            return std::optional<QString>(value);
        }
        if (arg.startsWith(prefix)) {
            const QString value = arg.mid(prefix.size());
            arguments.remove(i);
            return std::optional<QString>(value);
        }
    }
    return std::optional<QString>();
}

QString quoted(const QString &text)
{
    static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9_@%+=:,./\\[\\]-]+$"));
    if (plain.match(text).hasMatch())
        return text;
    QString escaped = text;
    escaped.replace(QLatin1Char('\''), QLatin1String("'\\''"));
    return QLatin1Char('\'') + escaped + QLatin1Char('\'');
}

}  // namespace

Result<ConnectionProfile> takeConnectionProfile(QStringList &arguments)
{
    const auto name = takeOption(arguments, QStringLiteral("--profile"));
    if (!name)
        return name.error();
    const auto ssh = takeOption(arguments, QStringLiteral("--ssh"));
    const auto sshKey = takeOption(arguments, QStringLiteral("--ssh-key"));
    const auto knownHosts = takeOption(arguments, QStringLiteral("--ssh-known-hosts"));
    for (const auto *taken : {&ssh, &sshKey, &knownHosts}) {
        if (!*taken)
            return taken->error();
    }
    std::optional<SshSettings> destination;
    if (ssh->has_value()) {
        auto parsed = SshSettings::fromDestination(**ssh);
        if (!parsed)
            return makeError(ErrorKind::InvalidArgument, QStringLiteral("--ssh: %1").arg(parsed.error().message));
        destination = *parsed;
    }

    // The console writes profiles under the same organisation/application names.
    QSettings settings(QStringLiteral("TierSync"), QStringLiteral("tiersync"));
    ProfileStore store(settings);
    KeychainSecretStore secrets;
    std::optional<Result<ConnectionProfile>> resolved;
    QEventLoop loop;  // the CLI's own thread; keychain jobs report asynchronously
    store.resolve(name->value_or(QString()), secrets, QProcessEnvironment::systemEnvironment(),
                  [&](Result<ConnectionProfile> profile) {
                      resolved = std::move(profile);
                      loop.quit();
                  });
    if (!resolved)
        loop.exec();
    if (!*resolved)
        return *resolved;
    ConnectionProfile profile = **resolved;
    if (destination) {
        profile.ssh.host = destination->host;
        profile.ssh.port = destination->port;
        profile.ssh.user = destination->user;
    }
    if (sshKey->has_value())
        profile.ssh.privateKeyFile = **sshKey;
    if (knownHosts->has_value())
        profile.ssh.knownHostsFile = **knownHosts;
    if (!profile.ssh.isEnabled() && (sshKey->has_value() || knownHosts->has_value()))
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("--ssh-key and --ssh-known-hosts need an SSH server (--ssh or the profile's)"));
    return profile;
}

QString sshArguments(const ConnectionProfile &profile)
{
    QStringList parts;
    if (profile.name != QLatin1String("environment"))
        parts << QStringLiteral("--profile") << quoted(profile.name);
    parts << QStringLiteral("--ssh") << quoted(profile.ssh.destination());
    if (!profile.ssh.knownHostsFile.isEmpty())
        parts << QStringLiteral("--ssh-known-hosts") << quoted(profile.ssh.knownHostsFile);
    return parts.join(QLatin1Char(' '));
}

Result<std::unique_ptr<ProfileTunnel>> routeThroughSsh(ConnectionProfile &profile)
{
    if (!profile.ssh.isEnabled())
        return std::unique_ptr<ProfileTunnel>();
    std::optional<HostKeyCheck> refused;
    SshTunnel::Options options;
    options.hostKeyRefused = [&refused](const HostKeyCheck &check) { refused = check; };
    auto tunnel = ProfileTunnel::open(profile, options);
    if (!tunnel) {
        Error error = tunnel.error();
        if (refused && refused->verdict == HostKeyCheck::Verdict::Unknown)
            error.message += QStringLiteral(".\nIf that is the server's key (compare it with `ssh-keygen -lf` on the "
                                            "server's host key), trust it with:\n  tiersync ssh trust %1 %2")
                                 .arg(refused->fingerprint, sshArguments(profile));
        return error;
    }
    profile = (*tunnel)->routed();
    return tunnel;
}

QString whoAmI()
{
    QString user = qEnvironmentVariable("USER");
    if (user.isEmpty())
        user = QStringLiteral("unknown");
    return QStringLiteral("cli:%1@%2").arg(user, QHostInfo::localHostName());
}

}  // namespace tiersync::cli
