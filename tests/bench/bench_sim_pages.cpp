// zoho-sim throughput with no latency: pages of 200 records fetched by client threads
// over keep-alive connections for a few seconds. Prints pages/s and records/s for a
// Books list and a CRM module; the simulator must manage at least 2,000 pages/s so it
// is never the bottleneck of another benchmark. Not a timed test: it only reports.
//
// Server: --sim PATH (or $TIERSYNC_ZOHO_SIM, which tests/bench/run.sh sets) starts a
// private zoho-sim on port 0 with --products 100000 and --limits off (this measures the
// sim, not Zoho's limits); otherwise the sandbox's zoho-sim from TIERSYNC_SANDBOX_DIR as
// this process's own tenant, whose limits apply: past them the failures are its 429s.
#include "testsandbox.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTextStream>
#include <QUrl>

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

using namespace tiersync;

namespace {

struct Target final {
    QUrl apiBase;
    QUrl accountsUrl;
    QString orgId = QStringLiteral("60000000001");
    QString clientId = QStringLiteral("1000.TIERSYNCSANDBOX");
    QString clientSecret = QStringLiteral("sandbox-client-secret");
    QString refreshToken = QStringLiteral("1000.sandbox-refresh-token");
};

struct Row final {
    QString what;
    qint64 pages = 0;
    qint64 records = 0;
    qint64 bytes = 0;
    qint64 failures = 0;
    double seconds = 0;
};

int fail(const QString &message)
{
    QTextStream(stderr) << "bench_sim_pages: " << message << '\n';
    return 1;
}

std::unique_ptr<httplib::Client> client(const QUrl &url)
{
    auto result = std::make_unique<httplib::Client>(url.host().toStdString(), url.port(80));
    result->set_keep_alive(true);
    result->set_read_timeout(30, 0);
    return result;
}

// Records per page without parsing the JSON: glibc's memmem skips ahead far better
// than std::string::find, which stops at every quote (and JSON is full of them).
qint64 countOccurrences(const std::string &text, const std::string &needle)
{
    qint64 count = 0;
    const char *at = text.data();
    const char *end = text.data() + text.size();
    while (const void *hit = memmem(at, static_cast<std::size_t>(end - at), needle.data(), needle.size())) {
        ++count;
        at = static_cast<const char *>(hit) + needle.size();
    }
    return count;
}

// Every thread walks pages 1..pageCount round-robin (offset per thread) until the
// deadline, on its own keep-alive connection.
Row measure(const QString &what, const Target &target, const std::string &token, int threads, int seconds,
            int pageCount, const std::string &pathPrefix, const std::string &recordKey)
{
    std::atomic<qint64> pages{0}, records{0}, bytes{0}, failures{0};
    QElapsedTimer timer;
    timer.start();
    const qint64 deadlineMs = static_cast<qint64>(seconds) * 1000;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            auto http = client(target.apiBase);
            const httplib::Headers headers{{"Authorization", "Zoho-oauthtoken " + token}};
            int page = t;
            while (timer.elapsed() < deadlineMs) {
                const std::string path = pathPrefix + std::to_string(page % pageCount + 1);
                page += threads;
                const auto result = http->Get(path.c_str(), headers);
                if (!result || result->status != 200) {
                    ++failures;
                    continue;
                }
                ++pages;
                records += countOccurrences(result->body, recordKey);
                bytes += static_cast<qint64>(result->body.size());
            }
        });
    }
    for (std::thread &worker : workers)
        worker.join();
    Row row;
    row.what = what;
    row.seconds = static_cast<double>(timer.nsecsElapsed()) / 1e9;
    row.pages = pages;
    row.records = records;
    row.bytes = bytes;
    row.failures = failures;
    return row;
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("zoho-sim pages/s with no latency"));
    parser.addHelpOption();
    const QCommandLineOption simOption(QStringLiteral("sim"), QStringLiteral("start this zoho-sim binary"),
                                       QStringLiteral("path"));
    const QCommandLineOption productsOption(QStringLiteral("products"),
                                            QStringLiteral("products in a private sim (100000)"),
                                            QStringLiteral("n"), QStringLiteral("100000"));
    const QCommandLineOption threadsOption(QStringLiteral("threads"), QStringLiteral("client threads (2)"),
                                           QStringLiteral("n"), QStringLiteral("2"));
    const QCommandLineOption secondsOption(QStringLiteral("seconds"), QStringLiteral("per measurement (3)"),
                                           QStringLiteral("s"), QStringLiteral("3"));
    parser.addOptions({simOption, productsOption, threadsOption, secondsOption});
    parser.process(app);
    const int threads = std::max(1, parser.value(threadsOption).toInt());
    const int seconds = std::max(1, parser.value(secondsOption).toInt());

    Target target;
    QProcess sim;
    QString simPath = parser.value(simOption);
    if (simPath.isEmpty())
        simPath = qEnvironmentVariable("TIERSYNC_ZOHO_SIM");
    QString source;
    if (!simPath.isEmpty()) {
        sim.setProgram(simPath);
        sim.setArguments({QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--products"),
                          parser.value(productsOption), QStringLiteral("--limits"), QStringLiteral("off")});
        sim.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        sim.start();
        while (sim.waitForStarted(10000) && !sim.canReadLine() && sim.waitForReadyRead(120000)) {
        }
        const QString line = QString::fromUtf8(sim.readLine()).trimmed();
        if (!line.startsWith(QLatin1String("zoho-sim listening on ")))
            return fail(QStringLiteral("%1 did not start").arg(simPath));
        target.apiBase = QUrl(line.section(QLatin1Char(' '), -1));
        target.accountsUrl = target.apiBase;
        source = QStringLiteral("private zoho-sim, %1 products").arg(parser.value(productsOption));
    } else if (!test::sandboxDir().isEmpty()) {
        auto profile = test::sandboxProfile();
        if (!profile)
            return fail(profile.error().toString());
        target.apiBase = QUrl(profile->zoho.apiBase);
        target.accountsUrl = QUrl(profile->zoho.accountsUrl);
        target.orgId = profile->zoho.orgId;
        target.clientId = profile->zoho.clientId;
        target.clientSecret = profile->zoho.clientSecret.reveal();
        target.refreshToken = profile->zoho.refreshToken.reveal();
        source = QStringLiteral("sandbox zoho-sim, Zoho's limits enforced");
    } else {
        QTextStream(stderr) << "bench_sim_pages: pass --sim PATH or set TIERSYNC_SANDBOX_DIR\n";
        return 2;
    }

    auto accounts = client(target.accountsUrl);
    const httplib::Params form{{"refresh_token", target.refreshToken.toStdString()},
                               {"client_id", target.clientId.toStdString()},
                               {"client_secret", target.clientSecret.toStdString()},
                               {"grant_type", "refresh_token"}};
    const auto tokenReply = accounts->Post("/oauth/v2/token", form);
    if (!tokenReply)
        return fail(QStringLiteral("token request failed: %1").arg(QString::fromStdString(httplib::to_string(tokenReply.error()))));
    const std::string token = QJsonDocument::fromJson(QByteArray::fromStdString(tokenReply->body))
                                  .object().value(QLatin1String("access_token")).toString().toStdString();
    if (token.empty())
        return fail(QStringLiteral("no access token (credentials?)"));

    // Page counts, so every request asks for a full (or the last) page.
    auto api = client(target.apiBase);
    const httplib::Headers headers{{"Authorization", "Zoho-oauthtoken " + token}};
    const auto info = api->Get("/_sim/info");
    const QJsonObject counts = info ? QJsonDocument::fromJson(QByteArray::fromStdString(info->body))
                                          .object().value(QLatin1String("counts")).toObject()
                                    : QJsonObject();
    const int products = counts.value(QLatin1String("products")).toInt(1312);
    const int grades = counts.value(QLatin1String("Grades")).toInt(2000);
    const std::string org = target.orgId.toStdString();

    QList<Row> rows;
    rows.append(measure(QStringLiteral("Books GET /books/v3/items per_page=200"), target, token, threads, seconds,
                        std::max(1, (products + 199) / 200),
                        "/books/v3/items?organization_id=" + org + "&per_page=200&page=", "\"item_id\":"));
    // CRM `page` reaches 2,000 records; stay within it.
    rows.append(measure(QStringLiteral("CRM GET /crm/v2/Grades per_page=200"), target, token, threads, seconds,
                        std::clamp(grades / 200, 1, 10), "/crm/v2/Grades?per_page=200&page=", "\"Course\":"));

    if (sim.state() == QProcess::Running) {
        sim.terminate();
        sim.waitForFinished(15000);
    }

    QTextStream out(stdout);
    out << "zoho-sim pages of 200 records, " << threads << " client threads, keep-alive, no latency ("
        << source << ", " << target.apiBase.toString() << ")\n\n";
    out << qSetFieldWidth(42) << Qt::left << "request" << qSetFieldWidth(10) << Qt::right << "pages"
        << "failures" << qSetFieldWidth(12) << "pages/s" << qSetFieldWidth(14) << "records/s" << qSetFieldWidth(10)
        << "MB/s" << qSetFieldWidth(0) << '\n';
    for (const Row &row : std::as_const(rows)) {
        out << qSetFieldWidth(42) << Qt::left << row.what << qSetFieldWidth(10) << Qt::right << row.pages
            << row.failures << qSetFieldWidth(12) << QString::number(double(row.pages) / row.seconds, 'f', 0)
            << qSetFieldWidth(14) << QString::number(double(row.records) / row.seconds, 'f', 0)
            << qSetFieldWidth(10) << QString::number(double(row.bytes) / row.seconds / 1e6, 'f', 1)
            << qSetFieldWidth(0) << '\n';
    }
    return 0;
}
