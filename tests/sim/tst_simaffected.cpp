// SimService's affected_values: a watch channel enabled with
// "return_affected_field_values": true gets, with each update notification, the new values
// of exactly the fields the update changed (no Modified_Time); inserts and deletes carry
// none, nor does a channel without the flag. The service runs in process on a clock the test
// moves; its notifications are received by a loopback HTTP server in this test.
#include "manualepochclock.h"
#include "simoptions.h"
#include "simservice.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <httplib.h>

#include <mutex>
#include <thread>

using namespace tiersync::sim;
using tiersync::test::ManualEpochClock;

namespace {

const QString kWith = QStringLiteral("7100000000001");     // channel with the flag
const QString kWithout = QStringLiteral("7100000000002");  // channel without it

std::string text(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact).toStdString();
}

QJsonObject json(const SimReply &reply)
{
    return QJsonDocument::fromJson(QByteArray::fromStdString(reply.body)).object();
}

// Records the JSON body of every POST it is sent.
class Inbox final {
public:
    Inbox()
    {
        m_server.Post(".*", [this](const httplib::Request &request, httplib::Response &response) {
            std::lock_guard lock(m_mutex);
            m_bodies.append(QJsonDocument::fromJson(QByteArray::fromStdString(request.body)).object());
            response.status = 200;
        });
        m_port = m_server.bind_to_any_port("127.0.0.1");
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
    }
    ~Inbox()
    {
        m_server.stop();
        m_thread.join();
    }
    Q_DISABLE_COPY_MOVE(Inbox)

    [[nodiscard]] QString url() const { return QStringLiteral("http://127.0.0.1:%1/hook").arg(m_port); }
    // The bodies received on a channel, then forgotten.
    QList<QJsonObject> take(const QString &channelId)
    {
        std::lock_guard lock(m_mutex);
        QList<QJsonObject> taken;
        for (auto it = m_bodies.begin(); it != m_bodies.end();) {
            if (it->value(QLatin1String("channel_id")).toString() == channelId) {
                taken.append(*it);
                it = m_bodies.erase(it);
            } else {
                ++it;
            }
        }
        return taken;
    }

private:
    httplib::Server m_server;
    int m_port = 0;
    std::thread m_thread;
    std::mutex m_mutex;
    QList<QJsonObject> m_bodies;
};

}  // namespace

class TestSimAffected final : public QObject {
    Q_OBJECT

private:
    ManualEpochClock m_time{1767225600000};  // 2026-01-01: after every generated time
    std::unique_ptr<SimService> m_service;
    std::unique_ptr<Inbox> m_inbox;
    std::string m_token;

    SimReply call(const std::string &method, const std::string &path, const std::string &body = {},
                  const httplib::Params &params = {})
    {
        httplib::Request request;
        request.method = method;
        request.path = path;
        request.body = body;
        for (const auto &[key, value] : params)
            request.params.emplace(key, value);
        if (!path.starts_with("/_sim/") && !path.starts_with("/oauth/"))
            request.headers.emplace("Authorization", "Zoho-oauthtoken " + m_token);
        return m_service->handle(request);
    }

    SimReply watch(const std::string &method, const QJsonObject &item)
    {
        return call(method, "/crm/v2/actions/watch", text(QJsonObject{{QStringLiteral("watch"), QJsonArray{item}}}));
    }

    QJsonObject item(const QString &channelId, const QJsonValue &flag) const
    {
        QJsonObject out{{QStringLiteral("channel_id"), channelId},
                        {QStringLiteral("events"), QJsonArray{QStringLiteral("Grades.all"), QStringLiteral("Classes.all")}},
                        {QStringLiteral("notify_url"), m_inbox->url()},
                        {QStringLiteral("token"), QStringLiteral("tok")}};
        if (!flag.isUndefined())
            out.insert(QStringLiteral("return_affected_field_values"), flag);
        return out;
    }

    // The flag as the channel list shows it.
    QJsonValue listedFlag(const QString &channelId)
    {
        const SimReply listed = call("GET", "/crm/v2/actions/watch", {}, {{"channel_id", channelId.toStdString()}});
        const QJsonArray entries = json(listed).value(QLatin1String("watch")).toArray();
        return entries.isEmpty() ? QJsonValue(QJsonValue::Undefined)
                                 : entries.first().toObject().value(QLatin1String("return_affected_field_values"));
    }

    QJsonObject mutate(QJsonObject body)
    {
        body.insert(QStringLiteral("wait_notifications"), true);
        const SimReply reply = call("POST", "/_sim/mutate", text(body));
        if (reply.status != 200)
            qFatal("mutate answered %d: %s", reply.status, reply.body.c_str());
        return json(reply);
    }

    QJsonObject record(const std::string &module, const QString &id)
    {
        return json(call("GET", "/crm/v2/" + module + "/" + id.toStdString()))
            .value(QLatin1String("data")).toArray().first().toObject();
    }

    // The one notification each channel got for the last change.
    std::pair<QJsonObject, QJsonObject> lastNotifications()
    {
        const QList<QJsonObject> with = m_inbox->take(kWith);
        const QList<QJsonObject> without = m_inbox->take(kWithout);
        if (with.size() != 1 || without.size() != 1)
            qFatal("expected one notification per channel, got %lld and %lld", qlonglong(with.size()),
                   qlonglong(without.size()));
        return {with.first(), without.first()};
    }

    // What changed between two versions of a record, Modified_Time aside.
    static QJsonObject changed(const QJsonObject &before, const QJsonObject &after)
    {
        QJsonObject out;
        for (auto it = after.begin(); it != after.end(); ++it)
            if (it.key() != QLatin1String("Modified_Time") && before.value(it.key()) != it.value())
                out.insert(it.key(), it.value());
        return out;
    }

private slots:
    void init()
    {
        SimOptions options;
        options.port = 8080;
        options.students = 40;
        m_service = std::make_unique<SimService>(options, m_time.clock());
        m_service->setApiDomain("http://127.0.0.1:8080");
        m_inbox = std::make_unique<Inbox>();
        const SimReply token = call("POST", "/oauth/v2/token", {},
                                    {{"client_id", "1000.TIERSYNCSANDBOX"}, {"client_secret", "sandbox-client-secret"},
                                     {"refresh_token", "1000.sandbox-refresh-token"}, {"grant_type", "refresh_token"}});
        m_token = json(token).value(QLatin1String("access_token")).toString().toStdString();
        QVERIFY(!m_token.empty());
        QCOMPARE(watch("POST", item(kWith, true)).status, 200);
        QCOMPARE(watch("POST", item(kWithout, QJsonValue::Undefined)).status, 200);
    }

    void cleanup()
    {
        m_service.reset();  // stops the sender before the inbox goes
        m_inbox.reset();
    }

    void theListShowsTheFlag()
    {
        QCOMPARE(listedFlag(kWith), QJsonValue(true));
        QCOMPARE(listedFlag(kWithout), QJsonValue(false));
        // PATCH without the key keeps it; PUT (the whole channel) without it clears it.
        QJsonObject patch{{QStringLiteral("channel_id"), kWith}, {QStringLiteral("token"), QStringLiteral("tok2")}};
        QCOMPARE(watch("PATCH", patch).status, 200);
        QCOMPARE(listedFlag(kWith), QJsonValue(true));
        QCOMPARE(watch("PUT", item(kWith, QJsonValue::Undefined)).status, 200);
        QCOMPARE(listedFlag(kWith), QJsonValue(false));
        QCOMPARE(watch("PATCH", QJsonObject{{QStringLiteral("channel_id"), kWith},
                                            {QStringLiteral("return_affected_field_values"), true}}).status, 200);
        QCOMPARE(listedFlag(kWith), QJsonValue(true));
        // Not a boolean: the item is refused, the channel unchanged.
        const SimReply refused = watch("PUT", item(kWith, QStringLiteral("yes")));
        QCOMPARE(refused.status, 400);
        const QJsonObject error = json(refused).value(QLatin1String("watch")).toArray().first().toObject();
        QCOMPARE(error.value(QLatin1String("code")).toString(), QStringLiteral("INVALID_DATA"));
        QCOMPARE(error.value(QLatin1String("details")).toObject().value(QLatin1String("api_name")).toString(),
                 QStringLiteral("return_affected_field_values"));
        QCOMPARE(listedFlag(kWith), QJsonValue(true));
        // The control view shows it too.
        const QJsonArray channels = json(call("GET", "/_sim/channels")).value(QLatin1String("channels")).toArray();
        int flagged = 0;
        for (const QJsonValue &channel : channels)
            flagged += channel.toObject().value(QLatin1String("return_affected_field_values")).toBool() ? 1 : 0;
        QCOMPARE(flagged, 1);
    }

    void anUpdateCarriesExactlyItsChangedValues()
    {
        const QJsonObject updated = mutate({{QStringLiteral("entity"), QStringLiteral("Grades")}, {QStringLiteral("count"), 3}});
        const QJsonArray ids = updated.value(QLatin1String("ids")).toArray();
        QCOMPARE(ids.size(), 3);
        const auto [with, without] = lastNotifications();
        QVERIFY(!without.contains(QLatin1String("affected_values")));
        const QJsonArray values = with.value(QLatin1String("affected_values")).toArray();
        QCOMPARE(values.size(), 3);
        QCOMPARE(with.value(QLatin1String("ids")).toArray(), ids);

        // Each entry: the record's new values of the fields the update changed, nothing else.
        m_time.advance(5000);
        for (qsizetype i = 0; i < ids.size(); ++i) {
            const QString id = ids.at(i).toString();
            const QJsonObject entry = values.at(i).toObject();
            QCOMPARE(entry.value(QLatin1String("record_id")).toString(), id);
            const QJsonObject delta = entry.value(QLatin1String("values")).toObject();
            QVERIFY(delta.contains(QLatin1String("Score")));
            QVERIFY(!delta.contains(QLatin1String("Modified_Time")));
            const QJsonObject before = record("Grades", id);
            for (auto it = delta.begin(); it != delta.end(); ++it)
                QCOMPARE(before.value(it.key()), it.value());
            // Changed again: the next delta is exactly the difference of the two versions.
            mutate({{QStringLiteral("entity"), QStringLiteral("Grades")}, {QStringLiteral("ids"), QJsonArray{id}}});
            const QJsonObject after = record("Grades", id);
            const auto [again, plain] = lastNotifications();
            QVERIFY(!plain.contains(QLatin1String("affected_values")));
            const QJsonObject next = again.value(QLatin1String("affected_values")).toArray().first().toObject();
            QCOMPARE(next.value(QLatin1String("values")).toObject(), changed(before, after));
        }
    }

    void aMoveCarriesTheNewStudent()
    {
        const QJsonObject any = mutate({{QStringLiteral("entity"), QStringLiteral("Classes")}, {QStringLiteral("count"), 1}});
        (void)lastNotifications();
        const QString id = any.value(QLatin1String("ids")).toArray().first().toString();
        const QJsonObject before = record("Classes", id);
        const int to = before.value(QLatin1String("Moodle_User_ID")).toString().toInt() % 40 + 1;
        mutate({{QStringLiteral("entity"), QStringLiteral("Classes")}, {QStringLiteral("operation"), QStringLiteral("move")},
                {QStringLiteral("ids"), QJsonArray{id}}, {QStringLiteral("to_moodle_user_id"), to}});
        const QJsonObject after = record("Classes", id);
        const auto [with, without] = lastNotifications();
        QCOMPARE(with.value(QLatin1String("operation")).toString(), QStringLiteral("update"));
        QVERIFY(!without.contains(QLatin1String("affected_values")));
        const QJsonObject delta = with.value(QLatin1String("affected_values")).toArray().first().toObject()
                                      .value(QLatin1String("values")).toObject();
        QCOMPARE(delta, changed(before, after));
        QCOMPARE(delta.value(QLatin1String("Moodle_User_ID")).toString(), QString::number(to));
        QCOMPARE(delta.value(QLatin1String("Student")), after.value(QLatin1String("Student")));
    }

    void insertsAndDeletesCarryNone()
    {
        const QJsonObject created = mutate({{QStringLiteral("entity"), QStringLiteral("Grades")},
                                            {QStringLiteral("operation"), QStringLiteral("create")},
                                            {QStringLiteral("moodle_user_id"), 7}});
        auto [inserted, plainInsert] = lastNotifications();
        QCOMPARE(inserted.value(QLatin1String("operation")).toString(), QStringLiteral("insert"));
        QVERIFY(!inserted.contains(QLatin1String("affected_values")));
        mutate({{QStringLiteral("entity"), QStringLiteral("Grades")}, {QStringLiteral("operation"), QStringLiteral("delete")},
                {QStringLiteral("ids"), created.value(QLatin1String("ids"))}});
        auto [deleted, plainDelete] = lastNotifications();
        QCOMPARE(deleted.value(QLatin1String("operation")).toString(), QStringLiteral("delete"));
        QVERIFY(!deleted.contains(QLatin1String("affected_values")));
    }
};

QTEST_GUILESS_MAIN(TestSimAffected)
#include "tst_simaffected.moc"
