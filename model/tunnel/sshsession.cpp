#include "tunnel/sshsession.h"

#include "tunnel/sshlog.h"

#include <QFileInfo>

#include <libssh/libssh.h>

#include <mutex>

namespace tiersync {

namespace {

void initialiseLibssh()
{
    static std::once_flag once;
    std::call_once(once, [] { ssh_init(); });
}

struct KeyDeleter {
    void operator()(ssh_key key) const { ssh_key_free(key); }
};
using KeyPtr = std::unique_ptr<ssh_key_struct, KeyDeleter>;

QString fingerprintOf(ssh_key key)
{
    unsigned char *hash = nullptr;
    size_t length = 0;
    if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &length) != SSH_OK)
        return {};
    char *text = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, length);
    ssh_clean_pubkey_hash(&hash);
    const QString fingerprint = QString::fromLatin1(text);
    ssh_string_free_char(text);
    return fingerprint;
}

// An untrusted host key as an error: code "host_key_unknown" or "host_key_changed".
Error refusal(const HostKeyCheck &check)
{
    Error error = makeError(ErrorKind::Auth, check.describe());
    error.code = check.verdict == HostKeyCheck::Verdict::Changed ? QStringLiteral("host_key_changed")
                                                                   : QStringLiteral("host_key_unknown");
    return error;
}

}  // namespace

SshSession::SshSession(ssh_session session, SshSettings settings)
    : m_session(session), m_settings(std::move(settings))
{
}

SshSession::~SshSession()
{
    if (ssh_is_connected(m_session))
        ssh_disconnect(m_session);
    ssh_free(m_session);
}

Error SshSession::failure(ErrorKind kind, const QString &what) const
{
    return makeError(kind, QStringLiteral("%1 (SSH server %2): %3")
                               .arg(what, m_settings.destination(), QString::fromUtf8(ssh_get_error(m_session))));
}

struct SshSession::Opened {
    std::unique_ptr<SshSession> session;
    HostKeyCheck check;
};

Result<SshSession::Opened> SshSession::open(const SshSettings &settings, int timeoutMs)
{
    if (!settings.isEnabled())
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("no SSH host given"));
    initialiseLibssh();
    ssh_session raw = ssh_new();
    if (!raw)
        return makeError(ErrorKind::Internal, QStringLiteral("cannot create an SSH session"));
    std::unique_ptr<SshSession> session(new SshSession(raw, settings));
    const QByteArray host = settings.host.toUtf8();
    const unsigned int port = unsigned(settings.port);
    const long timeoutSeconds = std::max(1L, long((timeoutMs + 999) / 1000));
    const QByteArray knownHosts = QFile::encodeName(settings.effectiveKnownHostsFile());
    const bool processConfig = false;  // the profile, not ~/.ssh/config, says where to go
    ssh_options_set(raw, SSH_OPTIONS_HOST, host.constData());
    ssh_options_set(raw, SSH_OPTIONS_PORT, &port);
    ssh_options_set(raw, SSH_OPTIONS_TIMEOUT, &timeoutSeconds);
    ssh_options_set(raw, SSH_OPTIONS_KNOWNHOSTS, knownHosts.constData());
    ssh_options_set(raw, SSH_OPTIONS_PROCESS_CONFIG, &processConfig);
    if (!settings.user.isEmpty()) {
        const QByteArray user = settings.user.toUtf8();
        ssh_options_set(raw, SSH_OPTIONS_USER, user.constData());
    }
    if (ssh_connect(raw) != SSH_OK)
        return session->failure(ErrorKind::Unavailable, QStringLiteral("cannot connect"));
    auto check = session->inspectHostKey();
    if (!check)
        return check.error();
    return Opened{std::move(session), *check};
}

Result<HostKeyCheck> SshSession::inspectHostKey() const
{
    HostKeyCheck check;
    check.destination = QStringLiteral("%1:%2").arg(m_settings.host).arg(m_settings.port);
    check.knownHostsFile = m_settings.effectiveKnownHostsFile();
    ssh_key raw = nullptr;
    if (ssh_get_server_publickey(m_session, &raw) != SSH_OK)
        return failure(ErrorKind::Protocol, QStringLiteral("cannot read the host key"));
    const KeyPtr key(raw);
    check.keyType = QString::fromLatin1(ssh_key_type_to_char(ssh_key_type(key.get())));
    check.fingerprint = fingerprintOf(key.get());
    switch (ssh_session_is_known_server(m_session)) {
    case SSH_KNOWN_HOSTS_OK:
        check.verdict = HostKeyCheck::Verdict::Trusted;
        break;
    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER:  // the file holds a key of another type for the host
        check.verdict = HostKeyCheck::Verdict::Changed;
        break;
    case SSH_KNOWN_HOSTS_NOT_FOUND:
    case SSH_KNOWN_HOSTS_UNKNOWN:
        check.verdict = HostKeyCheck::Verdict::Unknown;
        break;
    case SSH_KNOWN_HOSTS_ERROR:
        return failure(ErrorKind::Internal,
                       QStringLiteral("cannot read the known_hosts file %1").arg(check.knownHostsFile));
    }
    return check;
}

Status SshSession::authenticate()
{
    const QString who = m_settings.user.isEmpty() ? QStringLiteral("the local user") : m_settings.user;
    if (!m_settings.privateKeyFile.isEmpty()) {
        const QString file = m_settings.privateKeyFile;
        if (!QFileInfo(file).isReadable())
            return makeError(ErrorKind::InvalidArgument,
                             QStringLiteral("cannot read the SSH private key file %1").arg(file));
        const QByteArray path = QFile::encodeName(file);
        const QByteArray passphrase = m_settings.passphrase.reveal().toUtf8();
        ssh_key raw = nullptr;
        const int imported = ssh_pki_import_privkey_file(path.constData(),
                                                         passphrase.isEmpty() ? nullptr : passphrase.constData(),
                                                         nullptr, nullptr, &raw);
        if (imported != SSH_OK)
            return makeError(ErrorKind::Auth,
                             QStringLiteral("cannot load the SSH private key %1: %2")
                                 .arg(file, m_settings.passphrase.isEmpty()
                                                ? QStringLiteral("not a private key, or it needs a passphrase")
                                                : QStringLiteral("not a private key, or the passphrase is wrong")));
        const KeyPtr key(raw);
        const int result = ssh_userauth_publickey(m_session, nullptr, key.get());
        if (result == SSH_AUTH_SUCCESS)
            return {};
        if (result == SSH_AUTH_ERROR)
            return failure(ErrorKind::Unavailable, QStringLiteral("authentication failed"));
        return makeError(ErrorKind::Auth, QStringLiteral("the SSH server %1 refused the key %2 for %3")
                                              .arg(m_settings.destination(), file, who));
    }
    if (qEnvironmentVariableIsEmpty("SSH_AUTH_SOCK"))
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("no SSH private key file given and no SSH agent running (SSH_AUTH_SOCK is "
                                        "not set) for %1")
                             .arg(m_settings.destination()));
    const int result = ssh_userauth_agent(m_session, nullptr);
    if (result == SSH_AUTH_SUCCESS)
        return {};
    if (result == SSH_AUTH_ERROR)
        return failure(ErrorKind::Unavailable, QStringLiteral("authentication through the SSH agent failed"));
    return makeError(ErrorKind::Auth, QStringLiteral("the SSH server %1 refused every key of the SSH agent for %2")
                                          .arg(m_settings.destination(), who));
}

Result<std::unique_ptr<SshSession>> SshSession::connect(const SshSettings &settings, int timeoutMs,
                                                        const HostKeyRefused &refused)
{
    auto opened = open(settings, timeoutMs);
    if (!opened)
        return opened.error();
    if (opened->check.verdict != HostKeyCheck::Verdict::Trusted) {
        if (refused)
            refused(opened->check);
        return refusal(opened->check);
    }
    if (auto authenticated = opened->session->authenticate(); !authenticated)
        return authenticated.error();
    return std::move(opened->session);
}

Result<HostKeyCheck> SshSession::checkHostKey(const SshSettings &settings, int timeoutMs)
{
    auto opened = open(settings, timeoutMs);
    if (!opened)
        return opened.error();
    return opened->check;
}

Status SshSession::trustHostKey(const SshSettings &settings, const QString &fingerprint, int timeoutMs)
{
    auto opened = open(settings, timeoutMs);
    if (!opened)
        return opened.error();
    const HostKeyCheck *check = &opened->check;
    switch (check->verdict) {
    case HostKeyCheck::Verdict::Trusted:
        return {};
    case HostKeyCheck::Verdict::Changed:
        return refusal(*check);
    case HostKeyCheck::Verdict::Unknown:
        break;
    }
    if (fingerprint.trimmed() != check->fingerprint)
        return makeError(ErrorKind::Auth,
                         QStringLiteral("the SSH server %1 presents %2 %3, not the key %4 that was to be trusted; "
                                        "nothing was written")
                             .arg(check->destination, check->keyType, check->fingerprint, fingerprint.trimmed()));
    if (ssh_session_update_known_hosts(opened->session->handle()) != SSH_OK)
        return opened->session->failure(ErrorKind::Internal,
                                   QStringLiteral("cannot write to %1").arg(check->knownHostsFile));
    qCInfo(lcSsh).noquote() << "trusted the host key of" << check->destination << check->keyType
                            << check->fingerprint << "in" << check->knownHostsFile;
    return {};
}

}  // namespace tiersync
