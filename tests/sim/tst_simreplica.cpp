// End to end: the real zoho-sim process as the dashboard replica meets it — records
// created, moved and deleted, the deleted-records list, watch channels on the sim clock
// and notifications received by a loopback HTTP receiver in this test.
#include "simcontrol.h"
#include "verifyok.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <httplib.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <thread>

using namespace tiersync::test;

namespace {

QJsonObject json(const httplib::Result &result)
{
    return result ? QJsonDocument::fromJson(QByteArray::fromStdString(result->body)).object() : QJsonObject();
}

std::string toJson(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact).toStdString();
}

QStringList strings(const QJsonArray &array)
{
    QStringList list;
    for (const QJsonValue &value : array)
        list.append(value.isObject() ? value.toObject().value(QLatin1String("id")).toString() : value.toString());
    return list;
}

// A zoho-sim child process on a free port.
class SimProcess final {
public:
    bool start(const QStringList &extra)
    {
        m_process.setProgram(QStringLiteral(ZOHO_SIM_PATH));
        m_process.setArguments(QStringList{QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0")} + extra);
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.start();
        if (!m_process.waitForStarted(10000))
            return false;
        while (!m_process.canReadLine()) {
            if (!m_process.waitForReadyRead(30000))
                return false;
        }
        m_base = QString::fromUtf8(m_process.readLine()).trimmed().section(QLatin1Char(' '), -1);
        return m_base.startsWith(QLatin1String("http://"));
    }

    int stop(int waitMs = 15000)
    {
        m_process.terminate();  // SIGTERM
        if (!m_process.waitForFinished(waitMs))
            return -1;
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -2;
    }

    [[nodiscard]] QString base() const { return m_base; }
    [[nodiscard]] int port() const { return m_base.section(QLatin1Char(':'), -1).toInt(); }

private:
    QProcess m_process;
    QString m_base;
};

// A loopback HTTP server that records every POST it gets.
class Receiver final {
public:
    Receiver()
    {
        m_server.Post(".*", [this](const httplib::Request &request, httplib::Response &response) {
            std::lock_guard lock(m_mutex);
            m_received.push_back({QString::fromStdString(request.path),
                                  QJsonDocument::fromJson(QByteArray::fromStdString(request.body)).object()});
            response.status = 200;
        });
        m_port = m_server.bind_to_any_port("127.0.0.1");
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
    }
    ~Receiver()
    {
        m_server.stop();
        m_thread.join();
    }
    Q_DISABLE_COPY_MOVE(Receiver)

    [[nodiscard]] QString url(const QString &path) const
    {
        return QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(path);
    }
    [[nodiscard]] std::vector<std::pair<QString, QJsonObject>> received() const
    {
        std::lock_guard lock(m_mutex);
        return m_received;
    }
    [[nodiscard]] std::size_t count() const { return received().size(); }

private:
    httplib::Server m_server;
    int m_port = 0;
    std::thread m_thread;
    mutable std::mutex m_mutex;
    std::vector<std::pair<QString, QJsonObject>> m_received;
};

// A listening socket nobody accepts on: connections succeed, requests are never answered.
class BlackHole final {
public:
    BlackHole()
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (::bind(m_fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0 && ::listen(m_fd, 64) == 0
            && ::getsockname(m_fd, reinterpret_cast<sockaddr *>(&address), &length) == 0)
            m_port = ntohs(address.sin_port);
    }
    ~BlackHole() { ::close(m_fd); }
    Q_DISABLE_COPY_MOVE(BlackHole)
    [[nodiscard]] int port() const { return m_port; }

private:
    int m_fd = -1;
    int m_port = 0;
};

}  // namespace

class TestSimReplica final : public QObject {
    Q_OBJECT

private:
    SimProcess m_sim;
    std::unique_ptr<Receiver> m_receiver;
    std::unique_ptr<httplib::Client> m_client;
    std::string m_token;

    void refreshToken()
    {
        const httplib::Params form{{"refresh_token", "1000.sandbox-refresh-token"}, {"client_id", "1000.TIERSYNCSANDBOX"},
                                   {"client_secret", "sandbox-client-secret"}, {"grant_type", "refresh_token"}};
        m_token = json(m_client->Post("/oauth/v2/token", form)).value(QLatin1String("access_token")).toString().toStdString();
    }

    httplib::Headers auth(const std::string &since = {}) const
    {
        httplib::Headers headers{{"Authorization", "Zoho-oauthtoken " + m_token}};
        if (!since.empty())
            headers.emplace("If-Modified-Since", since);
        return headers;
    }

    httplib::Result watch(const std::string &method, const QJsonArray &items)
    {
        const std::string body = toJson(QJsonObject{{QStringLiteral("watch"), items}});
        if (method == "PATCH")
            return m_client->Patch("/crm/v2/actions/watch", auth(), body, "application/json");
        if (method == "PUT")
            return m_client->Put("/crm/v2/actions/watch", auth(), body, "application/json");
        return m_client->Post("/crm/v2/actions/watch", auth(), body, "application/json");
    }

    static QJsonObject channel(const QString &id, const QJsonArray &events, const QString &url, const QString &token)
    {
        return QJsonObject{{QStringLiteral("channel_id"), id}, {QStringLiteral("events"), events},
                           {QStringLiteral("notify_url"), url}, {QStringLiteral("token"), token}};
    }

    QStringList searchMoodle(const std::string &module, int moodleUserId)
    {
        const auto result = m_client->Get("/crm/v2/" + module + "/search?criteria=(Moodle_User_ID:equals:"
                                              + std::to_string(moodleUserId) + ")",
                                          auth());
        if (!result || result->status == 204)
            return {};
        return strings(json(result).value(QLatin1String("data")).toArray());
    }

    // The notifications of `channelId` received so far.
    std::vector<QJsonObject> notificationsOf(const QString &channelId) const
    {
        std::vector<QJsonObject> found;
        for (const auto &[path, body] : m_receiver->received()) {
            if (body.value(QLatin1String("channel_id")).toString() == channelId)
                found.push_back(body);
        }
        return found;
    }

    // Mutates, waiting for the notifications to be delivered; the answer.
    QJsonObject change(const QString &entity, const QString &operation, QJsonObject fields)
    {
        fields.insert(QStringLiteral("wait_notifications"), true);
        auto answer = simMutateOp(m_sim.base(), entity, operation, fields);
        if (!answer) {
            qWarning("%s", qPrintable(answer.error().toString()));
            return {};
        }
        return *answer;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_sim.start({QStringLiteral("--students"), QStringLiteral("300")}));
        m_receiver = std::make_unique<Receiver>();
        m_client = std::make_unique<httplib::Client>("127.0.0.1", m_sim.port());
        m_client->set_read_timeout(30, 0);
        refreshToken();
        QVERIFY(!m_token.empty());
    }

    void cleanupTestCase()
    {
        m_client.reset();
        QCOMPARE(m_sim.stop(), 0);
        m_receiver.reset();
    }

    void notificationsForEveryOperation()
    {
        const auto enabled = watch("POST", {channel(QStringLiteral("1000000068001"), {QStringLiteral("Grades.all")},
                                                    m_receiver->url(QStringLiteral("/hook/a")), QStringLiteral("tok-a"))});
        QVERIFY(enabled);
        QCOMPARE(enabled->status, 200);

        // update → "update", with the changed fields
        const QString grade = searchMoodle("Grades", 5).first();
        const QJsonObject updated = change(QStringLiteral("Grades"), QStringLiteral("update"), {{QStringLiteral("ids"), QJsonArray{grade}}});
        QCOMPARE(updated.value(QLatin1String("notifications")).toObject().value(QLatin1String("delivered")).toBool(), true);
        auto received = notificationsOf(QStringLiteral("1000000068001"));
        QCOMPARE(received.size(), std::size_t(1));
        const QJsonObject first = received.front();
        QCOMPARE(first.value(QLatin1String("module")).toString(), QStringLiteral("Grades"));
        QCOMPARE(first.value(QLatin1String("operation")).toString(), QStringLiteral("update"));
        QCOMPARE(strings(first.value(QLatin1String("ids")).toArray()), QStringList{grade});
        QCOMPARE(first.value(QLatin1String("token")).toString(), QStringLiteral("tok-a"));
        QCOMPARE(first.value(QLatin1String("resource_uri")).toString(), m_sim.base() + QStringLiteral("/crm/v2/Grades"));
        QVERIFY(first.value(QLatin1String("server_time")).toInteger() > 0);
        QVERIFY(first.value(QLatin1String("query_params")).isObject());
        QVERIFY(first.value(QLatin1String("affected_fields")).toArray().first().toObject().value(grade).toArray()
                    .contains(QStringLiteral("Score")));

        // create → "insert", move → "update", delete → "delete"; server_time strictly grows.
        const QJsonObject created = change(QStringLiteral("Grades"), QStringLiteral("create"),
                                           {{QStringLiteral("moodle_user_id"), 5}});
        const QString newId = created.value(QLatin1String("ids")).toArray().first().toString();
        change(QStringLiteral("Grades"), QStringLiteral("move"), {{QStringLiteral("ids"), QJsonArray{newId}}, {QStringLiteral("to_moodle_user_id"), 6}});
        change(QStringLiteral("Grades"), QStringLiteral("delete"), {{QStringLiteral("ids"), QJsonArray{newId}}});
        received = notificationsOf(QStringLiteral("1000000068001"));
        QCOMPARE(received.size(), std::size_t(4));
        QCOMPARE(received[1].value(QLatin1String("operation")).toString(), QStringLiteral("insert"));
        QCOMPARE(received[2].value(QLatin1String("operation")).toString(), QStringLiteral("update"));
        QCOMPARE(received[3].value(QLatin1String("operation")).toString(), QStringLiteral("delete"));
        for (std::size_t i = 1; i < received.size(); ++i) {
            QCOMPARE(strings(received[i].value(QLatin1String("ids")).toArray()), QStringList{newId});
            QVERIFY(received[i].value(QLatin1String("server_time")).toInteger()
                    > received[i - 1].value(QLatin1String("server_time")).toInteger());
        }

        // Many ids: batches of at most 100, in order.
        const QJsonObject many = change(QStringLiteral("Grades"), QStringLiteral("update"), {{QStringLiteral("count"), 150}});
        received = notificationsOf(QStringLiteral("1000000068001"));
        QCOMPARE(received.size(), std::size_t(6));
        QCOMPARE(received[4].value(QLatin1String("ids")).toArray().size(), 100);
        QCOMPARE(received[5].value(QLatin1String("ids")).toArray().size(), 50);
        QCOMPARE(strings(received[4].value(QLatin1String("ids")).toArray()) + strings(received[5].value(QLatin1String("ids")).toArray()),
                 strings(many.value(QLatin1String("ids")).toArray()));

        const auto counters = simNotifications(m_sim.base());
        VERIFY_OK(counters);
        QCOMPARE(counters->value(QLatin1String("sent")).toInt(), 6);
        QCOMPARE(counters->value(QLatin1String("failed")).toInt(), 0);
        QCOMPARE(counters->value(QLatin1String("pending")).toInt(), 0);
        const QJsonObject last = counters->value(QLatin1String("last")).toArray().last().toObject();
        QCOMPARE(last.value(QLatin1String("status")).toInt(), 200);
        QCOMPARE(last.value(QLatin1String("channel_id")).toString(), QStringLiteral("1000000068001"));
        QCOMPARE(last.value(QLatin1String("ids")).toInt(), 50);
    }

    void eventsChooseWhatNotifies()
    {
        QCOMPARE(watch("POST", {channel(QStringLiteral("1000000068002"), {QStringLiteral("Payments.create")},
                                        m_receiver->url(QStringLiteral("/hook/b")), QStringLiteral("tok-b"))})->status, 200);
        const QJsonObject updated = change(QStringLiteral("Payments"), QStringLiteral("update"), {{QStringLiteral("count"), 3}});
        QCOMPARE(updated.value(QLatin1String("notifications")).toObject().value(QLatin1String("queued")).toBool(), false);
        QVERIFY(notificationsOf(QStringLiteral("1000000068002")).empty());
        change(QStringLiteral("Payments"), QStringLiteral("create"), {{QStringLiteral("moodle_user_id"), 8}, {QStringLiteral("count"), 2}});
        const auto received = notificationsOf(QStringLiteral("1000000068002"));
        QCOMPARE(received.size(), std::size_t(1));
        QCOMPARE(received.front().value(QLatin1String("operation")).toString(), QStringLiteral("insert"));
        QCOMPARE(received.front().value(QLatin1String("ids")).toArray().size(), 2);
    }

    void movedRecordFollowsItsStudent()
    {
        const QStringList ofEleven = searchMoodle("Requests", 11) + searchMoodle("Classes", 11);
        const QString id = searchMoodle("Classes", 11).first();
        const QJsonObject moved = change(QStringLiteral("Classes"), QStringLiteral("move"),
                                         {{QStringLiteral("ids"), QJsonArray{id}}, {QStringLiteral("to_moodle_user_id"), 12}});
        QCOMPARE(moved.value(QLatin1String("moved")).toArray().first().toObject().value(QLatin1String("from_moodle_user_id")).toInt(), 11);
        QVERIFY(ofEleven.contains(id));
        QVERIFY(!searchMoodle("Classes", 11).contains(id));
        QVERIFY(searchMoodle("Classes", 12).contains(id));
        const QJsonObject record = json(m_client->Get("/crm/v2/Classes/" + id.toStdString(), auth()))
                                       .value(QLatin1String("data")).toArray().first().toObject();
        QCOMPARE(record.value(QLatin1String("Moodle_User_ID")).toString(), QStringLiteral("12"));
        QCOMPARE(record.value(QLatin1String("Student")).toObject().value(QLatin1String("id")).toString(),
                 searchMoodle("Students", 12).first());
    }

    void deletedListAnswers304WhenNothingNew()
    {
        const QString id = searchMoodle("Requests", 13).isEmpty() ? searchMoodle("Requests", 14).first()
                                                                 : searchMoodle("Requests", 13).first();
        const QJsonObject gone = change(QStringLiteral("Requests"), QStringLiteral("delete"), {{QStringLiteral("ids"), QJsonArray{id}}});
        const std::string deletedTime = gone.value(QLatin1String("deleted_time")).toString().toStdString();
        const auto all = m_client->Get("/crm/v2/Requests/deleted?type=all&page=1&per_page=200", auth("2025-01-01T00:00:00+05:30"));
        QVERIFY(all);
        QCOMPARE(all->status, 200);
        QVERIFY(strings(json(all).value(QLatin1String("data")).toArray()).contains(id));
        const auto none = m_client->Get("/crm/v2/Requests/deleted?type=all", auth(deletedTime));
        QVERIFY(none);
        QCOMPARE(none->status, 304);
        QVERIFY(none->body.empty());
        QCOMPARE(m_client->Get("/crm/v2/Requests/" + id.toStdString(), auth())->status, 204);
    }

    void failedDeliveriesAreCounted()
    {
        int closedPort = 0;
        {
            BlackHole probe;  // a port that was free a moment ago and is closed again
            closedPort = probe.port();
        }
        QCOMPARE(watch("POST", {channel(QStringLiteral("1000000068005"), {QStringLiteral("Students.edit")},
                                        QStringLiteral("http://127.0.0.1:%1/hook").arg(closedPort), QStringLiteral("tok-e"))})->status, 200);
        const auto before = simNotifications(m_sim.base());
        VERIFY_OK(before);
        const QJsonObject updated = change(QStringLiteral("Students"), QStringLiteral("update"), {{QStringLiteral("count"), 1}});
        QCOMPARE(updated.value(QLatin1String("notifications")).toObject().value(QLatin1String("delivered")).toBool(), true);
        const auto after = simNotifications(m_sim.base());
        VERIFY_OK(after);
        QCOMPARE(after->value(QLatin1String("failed")).toInt(), before->value(QLatin1String("failed")).toInt() + 1);
        const QJsonObject last = after->value(QLatin1String("last")).toArray().last().toObject();
        QCOMPARE(last.value(QLatin1String("status")).toInt(), 0);
        QVERIFY(!last.value(QLatin1String("error")).toString().isEmpty());
        QCOMPARE(m_client->Delete("/crm/v2/actions/watch?channel_ids=1000000068005", auth())->status, 200);
    }

    void droppedChannelStopsNotifying()
    {
        QCOMPARE(watch("POST", {channel(QStringLiteral("1000000068004"), {QStringLiteral("Classes.all")},
                                        m_receiver->url(QStringLiteral("/hook/d")), QStringLiteral("tok-d"))})->status, 200);
        const auto channels = simChannels(m_sim.base());
        VERIFY_OK(channels);
        QStringList ids;
        for (const QJsonValue &entry : *channels)
            ids.append(entry.toObject().value(QLatin1String("channel_id")).toString());
        QVERIFY(ids.contains(QStringLiteral("1000000068004")));
        const auto dropped = simDropChannel(m_sim.base(), QStringLiteral("1000000068004"));
        VERIFY_OK(dropped);
        QCOMPARE(dropped->value(QLatin1String("dropped")).toInt(), 1);
        QCOMPARE(m_client->Get("/crm/v2/actions/watch?channel_id=1000000068004", auth())->status, 204);
        const QJsonObject updated = change(QStringLiteral("Classes"), QStringLiteral("update"), {{QStringLiteral("count"), 2}});
        QCOMPARE(updated.value(QLatin1String("notifications")).toObject().value(QLatin1String("queued")).toBool(), false);
        QVERIFY(notificationsOf(QStringLiteral("1000000068004")).empty());
        // Renewing a dropped channel fails, so the client knows to enable it again.
        QCOMPARE(watch("PATCH", {QJsonObject{{QStringLiteral("channel_id"), QStringLiteral("1000000068004")}}})->status, 400);
    }

    // Last: it moves the sim clock past every channel's (and token's) life.
    void channelsExpireOnTheSimClock()
    {
        const auto listed = m_client->Get("/crm/v2/actions/watch", auth());
        QVERIFY(listed);
        QCOMPARE(listed->status, 200);
        const qint64 expiryMs = simChannels(m_sim.base())->first().toObject().value(QLatin1String("expiry_ms")).toInteger();
        const auto clock = simGet(m_sim.base(), QStringLiteral("/_sim/clock"));
        VERIFY_OK(clock);
        VERIFY_OK(simAdvanceClock(m_sim.base(), expiryMs - clock->value(QLatin1String("now_ms")).toInteger() + 1000));
        refreshToken();
        QCOMPARE(m_client->Get("/crm/v2/actions/watch", auth())->status, 204);
        QVERIFY(simChannels(m_sim.base())->isEmpty());
        const std::size_t before = m_receiver->count();
        const QJsonObject updated = change(QStringLiteral("Grades"), QStringLiteral("update"), {{QStringLiteral("count"), 1}});
        QCOMPARE(updated.value(QLatin1String("notifications")).toObject().value(QLatin1String("queued")).toBool(), false);
        QCOMPARE(m_receiver->count(), before);
    }

    void sigtermStopsTheSenderPromptly()
    {
        // Ten deliveries to a receiver that never answers would hold the sender 10 × 5 s;
        // SIGTERM must end the process well before that.
        SimProcess other;
        QVERIFY(other.start({QStringLiteral("--students"), QStringLiteral("20")}));
        BlackHole hole;
        httplib::Client client("127.0.0.1", other.port());
        const httplib::Params form{{"refresh_token", "1000.sandbox-refresh-token"}, {"client_id", "1000.TIERSYNCSANDBOX"},
                                   {"client_secret", "sandbox-client-secret"}, {"grant_type", "refresh_token"}};
        const std::string token = json(client.Post("/oauth/v2/token", form)).value(QLatin1String("access_token")).toString().toStdString();
        QJsonArray items;
        for (int i = 1; i <= 10; ++i)
            items.append(channel(QString::number(i), {QStringLiteral("Grades.all")},
                                 QStringLiteral("http://127.0.0.1:%1/hook").arg(hole.port()), QStringLiteral("t")));
        const auto enabled = client.Post("/crm/v2/actions/watch", {{"Authorization", "Zoho-oauthtoken " + token}},
                                         toJson(QJsonObject{{QStringLiteral("watch"), items}}), "application/json");
        QVERIFY(enabled);
        QCOMPARE(enabled->status, 200);
        VERIFY_OK(simMutateOp(other.base(), QStringLiteral("Grades"), QStringLiteral("update"), {{QStringLiteral("count"), 1}}));
        QTRY_VERIFY(simNotifications(other.base())->value(QLatin1String("pending")).toInt() >= 9);
        QCOMPARE(other.stop(20000), 0);
    }
};

QTEST_GUILESS_MAIN(TestSimReplica)
#include "tst_simreplica.moc"
