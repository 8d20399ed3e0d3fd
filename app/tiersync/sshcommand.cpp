#include "sshcommand.h"

#include "cliprofile.h"
#include "tunnel/sshsession.h"

#include <QTextStream>

namespace tiersync::cli {

namespace {

constexpr int kTimeoutMs = 10000;

int usage()
{
    QTextStream(stderr) << "usage: tiersync ssh hostkey | trust SHA256:FINGERPRINT  [--profile NAME] "
                           "[--ssh [user@]host[:port]] [--ssh-known-hosts FILE]\n";
    return 2;
}

}  // namespace

int runSshCommand(const ConnectionProfile &profile, const QStringList &arguments)
{
    if (arguments.isEmpty())
        return usage();
    if (!profile.ssh.isEnabled()) {
        QTextStream(stderr) << "tiersync ssh: no SSH server: give --ssh [user@]host[:port] or a profile with one\n";
        return 2;
    }
    const QString action = arguments.first();
    if (action == QLatin1String("hostkey") && arguments.size() == 1) {
        auto check = SshSession::checkHostKey(profile.ssh, kTimeoutMs);
        if (!check) {
            QTextStream(stderr) << "tiersync ssh: " << check.error().message << '\n';
            return 1;
        }
        QTextStream(stdout) << check->describe() << '\n';
        if (check->verdict == HostKeyCheck::Verdict::Unknown)
            QTextStream(stdout) << "trust it with: tiersync ssh trust " << check->fingerprint << ' '
                                << sshArguments(profile) << '\n';
        return check->verdict == HostKeyCheck::Verdict::Trusted ? 0 : 1;
    }
    if (action == QLatin1String("trust") && arguments.size() == 2) {
        const QString fingerprint = arguments.at(1);
        if (!fingerprint.startsWith(QLatin1String("SHA256:"))) {
            QTextStream(stderr) << "tiersync ssh trust: expected a SHA256:... fingerprint, as `tiersync ssh hostkey` "
                                   "prints it\n";
            return 2;
        }
        if (auto trusted = SshSession::trustHostKey(profile.ssh, fingerprint, kTimeoutMs); !trusted) {
            QTextStream(stderr) << "tiersync ssh trust: " << trusted.error().message << '\n';
            return 1;
        }
        QTextStream(stdout) << "the host key " << fingerprint << " of " << profile.ssh.host << ':'
                            << profile.ssh.port << " is trusted (" << profile.ssh.effectiveKnownHostsFile() << ")\n";
        return 0;
    }
    return usage();
}

}  // namespace tiersync::cli
