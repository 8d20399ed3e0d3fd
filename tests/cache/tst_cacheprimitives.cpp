// The read path's building blocks without servers: the cached value format, single
// flight, the XFetch rule, the back-off gate, statistics and their Prometheus text.
#include "cache/backoffgate.h"
#include "cache/cachedentry.h"
#include "cache/earlyrefreshpolicy.h"
#include "cache/prometheustext.h"
#include "cache/rawcachedentry.h"
#include "cache/endpointresponse.h"
#include "cache/readstatistics.h"
#include "cache/singleflight.h"
#include "cache/statscounts.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QThread>

#include <atomic>
#include <cmath>
#include <memory>
#include <vector>

using namespace tiersync;

class TestCachePrimitives final : public QObject {
    Q_OBJECT

private slots:
    void cachedEntryRoundTrips()
    {
        const CachedEntry entry{QJsonArray{QJsonObject{{QStringLiteral("Course"), QStringLiteral("Math")}}},
                                1700000000000, 1700000001000, 300, 742};
        auto decoded = CachedEntry::decode(entry.encode());
        QVERIFY(decoded.ok());
        QCOMPARE(decoded->data, entry.data);
        QCOMPARE(decoded->fetchedAtMs, entry.fetchedAtMs);
        QCOMPARE(decoded->storedAtMs, entry.storedAtMs);
        QCOMPARE(decoded->ttlSeconds, 300);
        QCOMPARE(decoded->costMs, 742);
        QCOMPARE(decoded->expiresAtMs(), 1700000001000 + 300000);

        auto nullData = CachedEntry::decode(CachedEntry{QJsonValue(QJsonValue::Null), 1, 2, 3, 4}.encode());
        QVERIFY(nullData.ok());
        QVERIFY(nullData->data.isNull());
    }

    // The stored layout: data kept as text (a hit splices it unparsed), still one JSON
    // object; the older layout (full JSON, any order) still decodes.
    void rawCachedEntryRoundTrips()
    {
        const QByteArray data = "{\"Course\":\"Math\",\"Note\":\"a \\\"quoted\\\" }\"}";
        const RawCachedEntry entry{data, 1700000000000, 1700000001000, 300, 742};
        const QByteArray bytes = entry.encode();
        QVERIFY(QJsonDocument::fromJson(bytes).isObject());
        auto raw = RawCachedEntry::decode(bytes);
        QVERIFY(raw.ok());
        QCOMPARE(raw->dataJson, data);
        QCOMPARE(raw->fetchedAtMs, entry.fetchedAtMs);
        QCOMPARE(raw->storedAtMs, entry.storedAtMs);
        QCOMPARE(raw->ttlSeconds, 300);
        QCOMPARE(raw->costMs, 742);
        auto parsed = CachedEntry::decode(bytes);
        QVERIFY(parsed.ok());
        QCOMPARE(parsed->data.toObject().value(QStringLiteral("Course")).toString(), QStringLiteral("Math"));

        const QByteArray older =
            "{\"cost_ms\":5,\"data\":[{\"a\":1}],\"fetched_at_ms\":10,\"stored_at_ms\":20,\"ttl_s\":30}";
        auto fromOlder = RawCachedEntry::decode(older);
        QVERIFY(fromOlder.ok());
        QCOMPARE(fromOlder->dataJson, QByteArray("[{\"a\":1}]"));
        QCOMPARE(fromOlder->expiresAtMs(), 20 + 30000);

        // Any byte of the data changed, or the value cut short: corrupt, never spliced.
        QByteArray altered = bytes;
        altered[altered.size() - 5] = 'X';
        QVERIFY(!RawCachedEntry::decode(altered).ok());
        for (qsizetype cut = 1; cut < bytes.size(); cut += 7)
            QVERIFY2(!RawCachedEntry::decode(bytes.left(cut)).ok(), qPrintable(QString::number(cut)));
        QVERIFY(!RawCachedEntry::decode(RawCachedEntry{"5", 1, 2, 3, 4}.encode()).ok());
        QVERIFY(RawCachedEntry::decode(RawCachedEntry{"null", 1, 2, 3, 4}.encode()).ok());
    }

    void responseBodySplicesTheData()
    {
        EndpointResponse response;
        response.dataJson = "{\"b\":2,\"a\":[1]}";
        response.source = ReadSource::Postgres;
        response.cacheAgeSeconds = 12;
        response.endpoint = QStringLiteral("finance");
        response.moodleUserId = 9007199254740992;
        QCOMPARE(response.toJson(),
                 QByteArray("{\"data\":{\"b\":2,\"a\":[1]},\"meta\":{\"cache_age_seconds\":12,\"endpoint\":\"finance\","
                            "\"moodle_user_id\":9007199254740992,\"source\":\"postgres\"}}"));
        QVERIFY(QJsonDocument::fromJson(response.toJson()).isObject());
        QCOMPARE(response.data().toObject().value(QStringLiteral("b")).toInt(), 2);
        response.setData(QJsonValue(QJsonValue::Null));
        QCOMPARE(response.dataJson, QByteArray("null"));
    }

    void corruptValuesDoNotDecode_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("garbage") << QByteArray("\x00\xff{{", 4);
        QTest::newRow("truncated") << CachedEntry{QJsonObject{}, 1, 2, 3, 4}.encode().left(20);
        QTest::newRow("array") << QByteArray("[1,2]");
        QTest::newRow("no data") << QByteArray(R"({"fetched_at_ms":1,"stored_at_ms":1,"ttl_s":1,"cost_ms":1})");
        QTest::newRow("scalar data") << QByteArray(R"({"data":5,"fetched_at_ms":1,"stored_at_ms":1,"ttl_s":1,"cost_ms":1})");
        QTest::newRow("no times") << QByteArray(R"({"data":{}})");
        QTest::newRow("negative") << QByteArray(R"({"data":{},"fetched_at_ms":-1,"stored_at_ms":1,"ttl_s":1,"cost_ms":1})");
    }

    void corruptValuesDoNotDecode()
    {
        QFETCH(QByteArray, bytes);
        auto decoded = CachedEntry::decode(bytes);
        QVERIFY(!decoded.ok());
        QCOMPARE(decoded.error().kind, ErrorKind::Protocol);
    }

    void snapshotPayloadRoundTrips()
    {
        for (const QJsonValue &value : {QJsonValue(QJsonValue::Null), QJsonValue(QJsonArray{1, 2}),
                                        QJsonValue(QJsonObject{{QStringLiteral("a"), 1}})}) {
            auto back = CachedEntry::dataFromJson(CachedEntry::dataToJson(value));
            QVERIFY(back.ok());
            QCOMPARE(*back, value);
        }
        QVERIFY(!CachedEntry::dataFromJson("{nope").ok());
    }

    // Many threads ask for one key while the first fetch is held open: one fetch, the
    // rest share its result.
    void singleFlightRunsOneFetchPerKey()
    {
        SingleFlight flight;
        std::atomic_int fetches{0};
        std::atomic_int started{0};
        std::atomic_bool release{false};
        constexpr int kThreads = 32;
        std::vector<std::unique_ptr<QThread>> threads;
        std::atomic_int shared{0};
        std::atomic_int answered{0};
        for (int i = 0; i < kThreads; ++i) {
            threads.emplace_back(QThread::create([&] {
                started.fetch_add(1);
                auto outcome = flight.run("k", [&]() -> Result<EndpointResponse> {
                    fetches.fetch_add(1);
                    while (!release.load())
                        QThread::msleep(1);
                    EndpointResponse response;
                    response.endpoint = QStringLiteral("profile");
                    response.moodleUserId = 7;
                    return response;
                });
                if (outcome.result.ok() && outcome.result->moodleUserId == 7)
                    answered.fetch_add(1);
                if (outcome.shared)
                    shared.fetch_add(1);
            }));
            threads.back()->start();
        }
        QTRY_COMPARE(started.load(), kThreads);
        QTRY_COMPARE(flight.inFlight(), 1);
        QTest::qWait(50);  // let every thread reach the wait
        release = true;
        for (auto &thread : threads)
            QVERIFY(thread->wait(10000));
        QCOMPARE(answered.load(), kThreads);
        QCOMPARE(flight.inFlight(), 0);
        // Every thread that arrived while the fetch ran shared it; a late one would have
        // run its own, so the two numbers always add up.
        QCOMPARE(fetches.load() + shared.load(), kThreads);
        QCOMPARE(fetches.load(), 1);
    }

    void singleFlightTryRunSkipsWhileBusy()
    {
        SingleFlight flight;
        bool inner = true;
        auto outcome = flight.run("k", [&]() -> Result<EndpointResponse> {
            inner = flight.tryRun("k", [] { return Result<EndpointResponse>(EndpointResponse{}); });
            return EndpointResponse{};
        });
        QVERIFY(outcome.result.ok());
        QVERIFY(!inner);
        QVERIFY(flight.tryRun("k", [] { return Result<EndpointResponse>(EndpointResponse{}); }));
        // Errors are shared like values, and the key is free again afterwards.
        auto failed = flight.run("k", [] { return Result<EndpointResponse>(makeError(ErrorKind::Unavailable, QStringLiteral("down"))); });
        QVERIFY(!failed.result.ok());
        QCOMPARE(flight.inFlight(), 0);
    }

    void earlyRefreshFollowsXFetch()
    {
        double random = 1.0;
        const EarlyRefreshPolicy policy(1.0, [&] { return random; });
        const qint64 expiresAt = 100000;
        // random = 1 → ln 1 = 0: never early, always once expired.
        QVERIFY(!policy.shouldRefresh(99999, expiresAt, 1000));
        QVERIFY(policy.shouldRefresh(100000, expiresAt, 1000));
        // random = e^-1 → a head start of cost × beta = 1000 ms.
        random = std::exp(-1.0);
        QVERIFY(!policy.shouldRefresh(98990, expiresAt, 1000));
        QVERIFY(policy.shouldRefresh(99010, expiresAt, 1000));
        // A costlier value starts earlier.
        QVERIFY(policy.shouldRefresh(95010, expiresAt, 5000));
        // A tiny random draw: far ahead of expiry.
        random = 1e-9;
        QVERIFY(policy.shouldRefresh(80000, expiresAt, 1000));
        // beta 0 disables it before expiry.
        const EarlyRefreshPolicy off(0.0, [] { return 1e-9; });
        QVERIFY(!off.shouldRefresh(0, expiresAt, 1000));
    }

    void backoffGateLetsOneProbeThrough()
    {
        BackoffGate gate(1000);
        QVERIFY(gate.allow(0));
        gate.recordFailure(10);
        QVERIFY(!gate.isOpen());
        QVERIFY(!gate.allow(500));
        QVERIFY(gate.allow(1010));   // the probe
        QVERIFY(!gate.allow(1011));  // the others wait for it
        gate.recordSuccess();
        QVERIFY(gate.isOpen());
        QVERIFY(gate.allow(1012));
    }

    void statisticsCountAndRoundTripThroughFields()
    {
        ReadStatistics statistics({QStringLiteral("profile"), QStringLiteral("finance")});
        statistics.add(QStringLiteral("profile"), StatsCounter::Requests, 4);
        statistics.add(QStringLiteral("profile"), StatsCounter::Redis, 3);
        statistics.add(QStringLiteral("profile"), StatsCounter::Zoho);
        statistics.add(QStringLiteral("nope"), StatsCounter::Requests);  // ignored
        statistics.addLatency(QStringLiteral("profile"), 100);      // ≤ 250 µs
        statistics.addLatency(QStringLiteral("profile"), 700);      // ≤ 1 ms
        statistics.addLatency(QStringLiteral("profile"), 90000000); // +Inf
        const StatsCounts profile = statistics.counts(QStringLiteral("profile"));
        QCOMPARE(profile.value(StatsCounter::Requests), 4u);
        QCOMPARE(profile.hitRate(), 0.75);
        QCOMPARE(profile.latencyBuckets[0], 1u);
        QCOMPARE(profile.latencyBuckets[2], 1u);
        QCOMPARE(profile.latencyBuckets[kLatencyBucketCount - 1], 1u);
        QCOMPARE(profile.latencyQuantileUs(0.3), 250);
        QCOMPARE(profile.latencyQuantileUs(0.5), 1000);
        QVERIFY(statistics.counts(QStringLiteral("finance")).isZero());

        const QHash<QByteArray, quint64> fields = profile.toFields();
        QCOMPARE(fields.value("requests"), 4u);
        QCOMPARE(fields.value("lat_le_250us"), 1u);
        QCOMPARE(fields.value("lat_le_inf"), 1u);
        QVERIFY(!fields.contains("stale"));  // zeros are not sent
        QHash<QByteArray, QByteArray> text;
        for (auto it = fields.begin(); it != fields.end(); ++it)
            text.insert(it.key(), QByteArray::number(it.value()));
        text.insert("from_a_newer_version", "5");
        text.insert("errors", "not a number");
        const StatsCounts back = StatsCounts::fromFields(text);
        QCOMPARE(back.counters, profile.counters);
        QCOMPARE(back.latencyBuckets, profile.latencyBuckets);
        QCOMPARE(back.latencySumUs, profile.latencySumUs);

        StatsCounts twice = back;
        twice += back;
        QCOMPARE(twice.since(back).counters, back.counters);
    }

    void prometheusTextHasEveryFamily()
    {
        StatsCounts counts;
        counts.counters[size_t(StatsCounter::Requests)] = 3;
        counts.counters[size_t(StatsCounter::Redis)] = 2;
        counts.counters[size_t(StatsCounter::Stale)] = 1;
        counts.counters[size_t(StatsCounter::Coalesced)] = 9;
        counts.latencyBuckets[0] = 2;
        counts.latencyBuckets[3] = 1;
        counts.latencySumUs = 1500;
        const QByteArray text = prometheusText({{{QStringLiteral("profile"), counts}}, false, CircuitState::Open});
        QVERIFY(text.contains("# TYPE tiersync_requests_total counter\n"));
        QVERIFY(text.contains("tiersync_requests_total{endpoint=\"profile\",source=\"redis\"} 2\n"));
        QVERIFY(text.contains("tiersync_requests_total{endpoint=\"profile\",source=\"stale\"} 1\n"));
        QVERIFY(text.contains("tiersync_coalesced_total{endpoint=\"profile\"} 9\n"));
        QVERIFY(text.contains("tiersync_errors_total{endpoint=\"profile\"} 0\n"));
        QVERIFY(text.contains("tiersync_request_duration_seconds_bucket{endpoint=\"profile\",le=\"0.00025\"} 2\n"));
        QVERIFY(text.contains("tiersync_request_duration_seconds_bucket{endpoint=\"profile\",le=\"0.002\"} 3\n"));
        QVERIFY(text.contains("tiersync_request_duration_seconds_bucket{endpoint=\"profile\",le=\"+Inf\"} 3\n"));
        QVERIFY(text.contains("tiersync_request_duration_seconds_count{endpoint=\"profile\"} 3\n"));
        QVERIFY(text.contains("tiersync_request_duration_seconds_sum{endpoint=\"profile\"} 0.001500\n"));
        QVERIFY(text.contains("tiersync_caching_enabled 0\n"));
        QVERIFY(text.contains("tiersync_zoho_circuit_state{state=\"open\"} 1\n"));
        QVERIFY(text.contains("tiersync_zoho_circuit_state{state=\"closed\"} 0\n"));
        // Every sample line is "name{labels} value" or "name value".
        for (const QByteArray &line : text.split('\n')) {
            if (line.isEmpty() || line.startsWith('#'))
                continue;
            QCOMPARE(line.count(' '), 1);
        }
    }
};

QTEST_GUILESS_MAIN(TestCachePrimitives)
#include "tst_cacheprimitives.moc"
