// KeychainSecretStore against a real Secret Service: a private D-Bus session with its own
// gnome-keyring-daemon (tests/support/private-keyring.sh), never the user's keyring. The
// executable re-runs itself under that wrapper when started outside it, and fails (never
// skips) when the Secret Service cannot be reached.

#include "core/keychainsecretstore.h"

#include <QCoreApplication>
#include <QProcess>
#include <QTest>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

using namespace tiersync;

namespace {

const QString kService = QStringLiteral("tiersync-test");
constexpr int kKeychainTimeoutMs = 15000;
constexpr int kToolTimeoutMs = 15000;

// QVERIFY2 builds its message even when the check passes: only ask a failed result for one.
template <typename T>
QString failure(const Result<T> &result)
{
    return result.ok() ? QString() : result.error().message;
}

std::optional<Result<Secret>> readSecret(SecretStore &store, const QString &key)
{
    std::optional<Result<Secret>> outcome;
    store.read(key, [&outcome](Result<Secret> secret) { outcome = std::move(secret); });
    if (!QTest::qWaitFor([&outcome] { return outcome.has_value(); }, kKeychainTimeoutMs))
        return std::nullopt;
    return outcome;
}

std::optional<Status> writeSecret(SecretStore &store, const QString &key, const QString &value)
{
    std::optional<Status> outcome;
    store.write(key, Secret(value), [&outcome](Status status) { outcome = std::move(status); });
    if (!QTest::qWaitFor([&outcome] { return outcome.has_value(); }, kKeychainTimeoutMs))
        return std::nullopt;
    return outcome;
}

std::optional<Status> removeSecret(SecretStore &store, const QString &key)
{
    std::optional<Status> outcome;
    store.remove(key, [&outcome](Status status) { outcome = std::move(status); });
    if (!QTest::qWaitFor([&outcome] { return outcome.has_value(); }, kKeychainTimeoutMs))
        return std::nullopt;
    return outcome;
}

// What the Secret Service itself holds, asked with libsecret's own tool rather than
// QtKeychain, so a write that silently went elsewhere (a plaintext fallback) fails the test.
// QtKeychain files its items under the attributes server=<service>, user=<key>.
struct Lookup {
    int exitCode = -1;
    QString value;
};

Lookup lookupWithSecretTool(const QString &service, const QString &key)
{
    QProcess tool;
    tool.start(QStringLiteral("secret-tool"),
               {QStringLiteral("lookup"), QStringLiteral("server"), service, QStringLiteral("user"), key});
    if (!tool.waitForFinished(kToolTimeoutMs) || tool.exitStatus() != QProcess::NormalExit)
        return {};
    return {tool.exitCode(), QString::fromUtf8(tool.readAllStandardOutput())};
}

// Started outside the wrapper (by hand, or a runner that does not set it up): run again
// inside it, so this test can never touch the keyring of whoever runs it.
int rerunInPrivateKeyring(char *argv[])
{
    const QByteArray sourceDir = qgetenv("TIERSYNC_SOURCE_DIR");
    if (sourceDir.isEmpty()) {
        std::fprintf(stderr, "tst_keychainsecretstore: needs a private keyring; run it through ctest or "
                             "tests/support/private-keyring.sh\n");
        return 1;
    }
    const std::string wrapper = sourceDir.toStdString() + "/tests/support/private-keyring.sh";
    // This very binary, by its real path: the wrapper execs it after setting up the keyring.
    char self[4096] = {};
    if (readlink("/proc/self/exe", self, sizeof(self) - 1) <= 0) {
        std::perror("tst_keychainsecretstore: /proc/self/exe");
        return 1;
    }
    std::vector<char *> args{const_cast<char *>(wrapper.c_str()), self};
    for (int i = 1; argv[i] != nullptr; ++i)
        args.push_back(argv[i]);
    args.push_back(nullptr);
    execv(wrapper.c_str(), args.data());
    std::perror("tst_keychainsecretstore: cannot run tests/support/private-keyring.sh");
    return 1;
}

}  // namespace

class TstKeychainSecretStore final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void writeReadOverwriteDelete();
    void missingSecretIsAClearNotFoundError();
    void servicesAreSeparate();
    void cleanup();
};

void TstKeychainSecretStore::initTestCase()
{
    QCOMPARE(qgetenv("TIERSYNC_PRIVATE_KEYRING"), QByteArray("1"));
    QVERIFY2(!qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"), "no private D-Bus session");
}

void TstKeychainSecretStore::writeReadOverwriteDelete()
{
    KeychainSecretStore store(kService);
    const QString key = QStringLiteral("profile/sandbox/redis_password");
    const QString first = QStringLiteral("first p@ss wörd:/%&");
    const QString second = QStringLiteral("second-secret");

    auto written = writeSecret(store, key, first);
    QVERIFY2(written.has_value(), "the keychain never answered the write");
    QVERIFY2(written->ok(), qPrintable(failure(*written)));
    auto read = readSecret(store, key);
    QVERIFY(read.has_value());
    QVERIFY2(read->ok(), qPrintable(failure(*read)));
    QCOMPARE(read->value().reveal(), first);
    Lookup stored = lookupWithSecretTool(kService, key);
    QCOMPARE(stored.exitCode, 0);
    QCOMPARE(stored.value, first);

    written = writeSecret(store, key, second);
    QVERIFY(written.has_value());
    QVERIFY2(written->ok(), qPrintable(failure(*written)));
    read = readSecret(store, key);
    QVERIFY(read.has_value());
    QVERIFY2(read->ok(), qPrintable(failure(*read)));
    QCOMPARE(read->value().reveal(), second);
    QCOMPARE(lookupWithSecretTool(kService, key).value, second);

    const auto removed = removeSecret(store, key);
    QVERIFY(removed.has_value());
    QVERIFY2(removed->ok(), qPrintable(failure(*removed)));
    read = readSecret(store, key);
    QVERIFY(read.has_value());
    QVERIFY(!read->ok());
    QCOMPARE(read->error().kind, ErrorKind::NotFound);
    stored = lookupWithSecretTool(kService, key);
    QCOMPARE(stored.exitCode, 1);  // secret-tool: nothing stored
    QVERIFY(stored.value.isEmpty());
}

void TstKeychainSecretStore::missingSecretIsAClearNotFoundError()
{
    KeychainSecretStore store(kService);
    const auto read = readSecret(store, QStringLiteral("profile/never-written/pg_password"));
    QVERIFY2(read.has_value(), "the keychain never answered the read");
    QVERIFY(!read->ok());
    QCOMPARE(read->error().kind, ErrorKind::NotFound);
    // The words an admin sees: where it was looked up and that it is not there.
    const QString message = read->error().message;
    QVERIFY2(message.startsWith(QLatin1String("keychain: ")), qPrintable(message));
    QVERIFY2(message.contains(QLatin1String("not found"), Qt::CaseInsensitive), qPrintable(message));

    // Removing what is not there is not an error: "make sure it is gone" holds.
    const auto removed = removeSecret(store, QStringLiteral("profile/never-written/pg_password"));
    QVERIFY(removed.has_value());
    QVERIFY2(removed->ok(), qPrintable(failure(*removed)));
}

void TstKeychainSecretStore::servicesAreSeparate()
{
    KeychainSecretStore mine(kService);
    KeychainSecretStore other(QStringLiteral("tiersync-test-other"));
    const QString key = QStringLiteral("profile/shared-name/zoho_refresh_token");

    const auto written = writeSecret(mine, key, QStringLiteral("token-of-mine"));
    QVERIFY(written.has_value());
    QVERIFY2(written->ok(), qPrintable(failure(*written)));
    const auto fromOther = readSecret(other, key);
    QVERIFY(fromOther.has_value());
    QVERIFY(!fromOther->ok());
    QCOMPARE(fromOther->error().kind, ErrorKind::NotFound);
    const auto removed = removeSecret(mine, key);
    QVERIFY(removed.has_value());
    QVERIFY(removed->ok());
}

void TstKeychainSecretStore::cleanup()
{
    // Nothing outlives a test function, whatever failed in it.
    QProcess::execute(QStringLiteral("secret-tool"),
                      {QStringLiteral("clear"), QStringLiteral("server"), kService});
}

int main(int argc, char *argv[])
{
    if (qgetenv("TIERSYNC_PRIVATE_KEYRING") != "1")
        return rerunInPrivateKeyring(argv);
    QCoreApplication app(argc, argv);
    TstKeychainSecretStore test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_keychainsecretstore.moc"
