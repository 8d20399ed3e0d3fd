// The simulated day (issue 10 "Benchmarks"), on the product's own machinery only: the
// serving stack of `tiersync serve` (ServeStack: CacheEngine's TieredReader, Redis →
// PostgreSQL snapshot → Zoho, and the webhook endpoint with its WebhookProcessor), the
// default schedules in tiersync.schedules run by the product's Scheduler (feeds every
// 5 minutes through SyncRunner — every 2 hours, their safety net, while the module's
// notification channel is healthy — and a monthly full reconcile, the 1st at 03:00, which
// this Monday does not reach: its cost is the cold listing's, amortised over 30 days and
// included in the headline figures),
// and CRM notification channels enabled by the product's ChannelManager, to which
// zoho-sim posts when records change.
//
// Time: one virtual clock (ManualEpochClock) is the stack's, the scheduler's, the syncs'
// and the channels' "now"; zoho-sim's clock is frozen and moved with it (POST /_sim/clock),
// so Modified_Time, If-Modified-Since, channel expiry and the sim's windows all follow the
// day. The day starts at 2030-01-07 00:00 UTC and walks in 10 s steps; nothing of its
// timeline reads the wall clock. Read latency is real time measured around each read call.
//
// Load: `--students N` (default 5,000) in a private zoho-sim; `--views V` dashboard views a
// day (default 15,000: 3 per student on average) by Poisson arrivals, student popularity
// Zipf (s = 1) over a fixed shuffle, spread over the day by a diurnal profile; a view reads
// the five endpoints at that instant (4 reader threads at once per 10 s step). Every
// module has 2 % of its records changed per hour (POST /_sim/mutate), in 12 batches an hour
// at random steps. The day runs twice from scratch: notifications off, then on (`--notify
// off|on|both`).
//
// Change latency: of every mutation batch, the first 3 records are probed: their student's
// endpoint is read (by a second CacheEngine, so the probes do not count among the views)
// right after the mutation — with notifications, once the sim has delivered them
// (wait_notifications), and the latency is the real time from the mutate call to that read —
// and then after every step until the record's new Modified_Time shows, the latency then
// being the virtual time since the mutation (a step is 10 s: the resolution).
//
// Limits: the sim runs --limits off and the product's Zoho client has limits far above
// what the day sends: Zoho's limits are per real minute, the day is compressed, and they
// would decide when calls are made, not how many. The day's Zoho calls are counted by the
// sim (/_sim/stats, every /crm/ request) and by the product (its Zoho client's calls; the
// split: feed runs from sync_runs, reads from the engine's statistics, the rest webhooks
// and channels). The products and customers schedules (Books) are paused: not dashboard data.
//
// Environment: TIERSYNC_SANDBOX_DIR (tests/bench/run.sh) for Redis (db 13) and PostgreSQL
// (a scratch database per day), TIERSYNC_ZOHO_SIM for the private zoho-sim.
#include "manualepochclock.h"
#include "benchsupport.h"
#include "privatezohosim.h"
#include "scratchprofile.h"
#include "simcontrol.h"
#include "testsandbox.h"

#include "cache/cacheengine.h"
#include "cache/readstatistics.h"
#include "cache/tieredreader.h"
#include "host/engineservices.h"
#include "host/servestack.h"
#include "redis/redisconnection.h"
#include "schedule/scheduler.h"
#include "schedule/schedulerepository.h"
#include "store/pgconnection.h"
#include "sync/entityregistry.h"
#include "sync/syncrunner.h"
#include "webhook/channelmanager.h"
#include "webhook/channelrepository.h"
#include "webhook/webhooksettings.h"
#include "zoho/zohoclient.h"
#include "zoho/zohoservice.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QTextStream>

#include <pqxx/pqxx>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

using namespace tiersync;

namespace {

constexpr int kRedisDb = 13;
constexpr qint64 kDayStartMs = 1894060800000;  // 2030-01-07 00:00:00 UTC
constexpr qint64 kDayMs = 24LL * 3600 * 1000;
constexpr qint64 kStepMs = 10 * 1000;
constexpr int kReaderThreads = 4;
constexpr int kBatchesPerHour = 12;
constexpr int kProbesPerBatch = 3;
constexpr char kWebhookToken[] = "bench-day-crm-token";
const QStringList kModules = {QStringLiteral("Students"), QStringLiteral("Grades"), QStringLiteral("Payments"),
                              QStringLiteral("Classes"), QStringLiteral("Requests")};

int fail(const QString &message)
{
    QTextStream(stderr) << "bench_dashboard_day: " << message << '\n';
    return 1;
}

// ---- the day's load, all of it decided before the day starts ----

struct View {
    qint64 atMs = 0;  // since the start of the day
    int student = 0;  // moodle_user_id
};

// Zipf rates over a fixed shuffle of the students, Poisson counts, diurnal times.
std::vector<View> dayOfViews(int students, int totalViews, double zipfS, quint32 seed)
{
    // Relative activity per hour (UTC): night, morning ramp, working day, evening.
    static constexpr std::array<double, 24> kHourly = {0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.0, 1.6, 2.0, 2.0, 2.0,
                                                       1.8, 2.0, 2.0, 1.9, 1.6, 1.3, 1.2, 1.4, 1.6, 1.4, 0.9, 0.5};
    std::mt19937_64 random(seed);
    std::vector<int> rankOf(static_cast<size_t>(students));
    for (int i = 0; i < students; ++i)
        rankOf[size_t(i)] = i + 1;
    std::shuffle(rankOf.begin(), rankOf.end(), random);
    double harmonic = 0;
    for (int r = 1; r <= students; ++r)
        harmonic += std::pow(double(r), -zipfS);
    std::discrete_distribution<int> hourOf(kHourly.begin(), kHourly.end());
    std::uniform_real_distribution<double> withinHour(0.0, 3600.0 * 1000.0);
    std::vector<View> views;
    for (int student = 1; student <= students; ++student) {
        const double rate = totalViews * std::pow(double(rankOf[size_t(student - 1)]), -zipfS) / harmonic;
        const int count = std::poisson_distribution<int>(rate)(random);
        for (int v = 0; v < count; ++v)
            views.push_back({qint64(hourOf(random)) * 3600 * 1000 + qint64(withinHour(random)), student});
    }
    std::sort(views.begin(), views.end(), [](const View &a, const View &b) { return a.atMs < b.atMs; });
    return views;
}

struct Mutation {
    qint64 atMs = 0;  // since the start of the day, on a step
    QString module;
    int count = 0;
};

// 2 % of each module an hour, in kBatchesPerHour batches at random steps of the hour.
std::vector<Mutation> dayOfMutations(const QHash<QString, int> &sizes, quint32 seed)
{
    std::mt19937_64 random(seed);
    std::uniform_int_distribution<qint64> stepOfHour(0, 3600 * 1000 / kStepMs - 1);
    std::vector<Mutation> mutations;
    for (const QString &module : kModules) {
        const double perBatch = sizes.value(module) * 0.02 / kBatchesPerHour;
        double owed = 0;  // rounding carried over, so the hour's total is 2 %
        for (int hour = 0; hour < 24; ++hour)
            for (int b = 0; b < kBatchesPerHour; ++b) {
                owed += perBatch;
                const int count = int(owed);
                owed -= count;
                if (count > 0)
                    mutations.push_back({hour * 3600 * 1000LL + stepOfHour(random) * kStepMs, module, count});
            }
    }
    std::stable_sort(mutations.begin(), mutations.end(),
                     [](const Mutation &a, const Mutation &b) { return a.atMs < b.atMs; });
    return mutations;
}

// Runs work(i) for every i of a range on a fixed set of threads, one range at a time.
class SlicePool final {
public:
    SlicePool(int threads, std::function<void(int, size_t)> work) : m_work(std::move(work))
    {
        for (int t = 0; t < threads; ++t)
            m_threads.emplace_back([this, t] { loop(t); });
    }
    ~SlicePool()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_all();
        for (auto &thread : m_threads)
            thread.join();
    }
    Q_DISABLE_COPY_MOVE(SlicePool)

    void run(size_t begin, size_t end)
    {
        std::unique_lock lock(m_mutex);
        m_next = begin;
        m_end = end;
        m_busy = int(m_threads.size());
        ++m_generation;
        m_wake.notify_all();
        m_done.wait(lock, [this] { return m_busy == 0; });
    }

private:
    void loop(int thread)
    {
        quint64 seen = 0;
        for (;;) {
            {
                std::unique_lock lock(m_mutex);
                m_wake.wait(lock, [&] { return m_stop || m_generation != seen; });
                if (m_stop)
                    break;
                seen = m_generation;
            }
            for (size_t i = m_next++; i < m_end; i = m_next++)
                m_work(thread, i);
            std::lock_guard lock(m_mutex);
            if (--m_busy == 0)
                m_done.notify_one();
        }
        RedisConnection::dropForCurrentThread();
    }

    std::function<void(int, size_t)> m_work;
    std::vector<std::thread> m_threads;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_done;
    std::atomic<size_t> m_next{0};
    size_t m_end = 0;
    int m_busy = 0;
    quint64 m_generation = 0;
    bool m_stop = false;
};

// ---- the product, on the day's clock ----


// Sum of the five endpoints' counts.
StatsCounts engineCounts(const CacheEngine &engine)
{
    StatsCounts sum;
    for (const QString &endpoint : engine.registry().names())
        sum += engine.statistics().counts(endpoint);
    return sum;
}

const QHash<QString, QString> &endpointOfModule()
{
    static const QHash<QString, QString> map = {
        {QStringLiteral("Students"), QStringLiteral("profile")}, {QStringLiteral("Grades"), QStringLiteral("academics")},
        {QStringLiteral("Payments"), QStringLiteral("finance")}, {QStringLiteral("Classes"), QStringLiteral("classes")},
        {QStringLiteral("Requests"), QStringLiteral("requests")}};
    return map;
}

qint64 isoMs(const QString &text)
{
    return QDateTime::fromString(text, Qt::ISODate).toMSecsSinceEpoch();
}

// The record's Modified_Time in an endpoint's answer (object or array), or -1.
qint64 modifiedIn(const QByteArray &dataJson, const QString &id)
{
    const QJsonDocument document = QJsonDocument::fromJson(dataJson);
    const auto of = [&](const QJsonObject &record) {
        return record.value(QStringLiteral("id")).toString() == id
                   ? isoMs(record.value(QStringLiteral("Modified_Time")).toString())
                   : -1;
    };
    if (document.isObject())
        return of(document.object());
    for (const QJsonValue &value : document.array())
        if (const qint64 ms = of(value.toObject()); ms >= 0)
            return ms;
    return -1;
}

struct Probe {
    QString endpoint;
    qint64 student = 0;
    QString id;
    qint64 changedMs = 0;   // the sim's modified_time of the batch
    qint64 virtualAtMs = 0; // the mutation's instant on the day's clock
};

struct DayResult {
    qint64 views = 0;
    qint64 reads = 0;
    qint64 failedReads = 0;
    StatsCounts counts;          // the view engine's
    StatsCounts probeCounts;     // the probe engine's
    std::vector<qint64> readNs;  // every view read's real duration
    std::vector<double> changeSeconds;
    qint64 probesUnseen = 0;
    qint64 probesUnseenLastInterval = 0;  // changed after the day's last feed slot
    qint64 simCalls = 0;         // the sim's /crm/ requests during the day
    qint64 clientCalls = 0;      // the product's Zoho client (HTTP attempts) during the day
    qint64 feedCalls = 0;        // sync_runs.zoho_calls of the day's runs
    int feedRuns = 0;
    int failedRuns = 0;
    int fullRuns = 0;
    qint64 mutated = 0;
    int channelsEnabled = 0;
    qint64 notificationsSent = 0;
    qint64 notificationsFailed = 0;
    qint64 coldCalls = 0;  // before the day: the first feed runs and the channels
    qint64 coldFeedCalls = 0;  // the first feed runs: full listings, what a full reconcile costs
    int degradedChecks = 0;    // feed runs that found changes a channel never delivered
    double coldSeconds = 0;
    double realSeconds = 0;
    double runSeconds = 0;    // ticks of the scheduler that ran feeds
    double claimSeconds = 0;  // ticks that found nothing due
    double viewSeconds = 0;   // the views' reads
};

// sync_runs records the wall clock (PostgreSQL's now()), not the day's: the day's runs are
// the ones after the last run before it (afterId).
Result<qint64> feedCallsAfter(const PgSettings &pg, qint64 afterId, int *runs, int *failed, qint64 *lastId,
                              int *fullRuns = nullptr)
{
    PgConnection connection(pg);
    qint64 calls = 0;
    const Status read = connection.transaction(QStringLiteral("reading the day's runs"), [&](pqxx::transaction_base &txn) -> Status {
        const auto row = txn.exec_params1(
            "SELECT coalesce(sum(zoho_calls), 0)::bigint, count(*)::int,"
            " (count(*) FILTER (WHERE status <> 'succeeded'))::int, coalesce(max(id), $1)::bigint,"
            " (count(*) FILTER (WHERE mode = 'full'))::int"
            " FROM tiersync.sync_runs WHERE id > $1",
            afterId);
        calls = row[0].as<qint64>();
        *runs = row[1].as<int>();
        *failed = row[2].as<int>();
        *lastId = row[3].as<qint64>();
        if (fullRuns)
            *fullRuns = row[4].as<int>();
        return {};
    });
    if (!read)
        return read.error();
    return calls;
}

Result<QHash<QString, qint64>> ownersOf(PgConnection &connection, const QStringList &ids)
{
    QHash<QString, qint64> owners;
    // Zoho ids are digits: a text[] literal needs no quoting.
    const std::string list = (QLatin1Char('{') + ids.join(QLatin1Char(',')) + QLatin1Char('}')).toStdString();
    const Status read = connection.transaction(QStringLiteral("reading owners"), [&](pqxx::transaction_base &txn) -> Status {
        for (const auto &row : txn.exec_params("SELECT zoho_id, moodle_user_id FROM tiersync.entities"
                                               " WHERE zoho_id = ANY($1::text[]) AND moodle_user_id IS NOT NULL",
                                               list))
            owners.insert(QString::fromStdString(row[0].as<std::string>()), row[1].as<qint64>());
        return {};
    });
    if (!read)
        return read.error();
    return owners;
}

Result<DayResult> simulateDay(const ConnectionProfile &sandbox, const QStringList &simArguments, bool notifications,
                              const std::vector<View> &views, int students)
{
    DayResult result;
    auto sim = test::PrivateZohoSim::start(simArguments);
    if (!sim)
        return sim.error();
    const QString apiBase = (*sim)->apiBase();
    // The sim's clock: frozen, then moved to the day's start (at most 366 days a call).
    auto simNow = test::simPost(apiBase, QStringLiteral("/_sim/clock"), QJsonObject{{QStringLiteral("freeze"), true}});
    if (!simNow)
        return simNow.error();
    for (qint64 behind = kDayStartMs - simNow->value(QStringLiteral("now_ms")).toInteger(); behind > 0;) {
        const qint64 step = std::min(behind, 360LL * 24 * 3600 * 1000);
        if (auto moved = test::simAdvanceClock(apiBase, step); !moved)
            return moved.error();
        behind -= step;
    }
    auto info = test::simGet(apiBase, QStringLiteral("/_sim/info"));
    if (!info)
        return info.error();
    QHash<QString, int> sizes;
    const QJsonObject counts = info->value(QStringLiteral("counts")).toObject();
    for (const QString &module : kModules)
        sizes.insert(module, counts.value(module).toInt(counts.value(module.toLower()).toInt()));
    const std::vector<Mutation> mutations = dayOfMutations(sizes, 20240602);

    auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("bench_day"), kRedisDb);
    if (!scratch)
        return scratch.error();
    ConnectionProfile profile = (*scratch)->profile();
    profile.zoho = (*sim)->settings();

    const test::ManualEpochClock day(kDayStartMs);
    EngineServices::Options servicesOptions;
    servicesOptions.zoho = CacheEngine::servingOptions(profile).zoho;
    servicesOptions.zoho.limits = test::generousZohoLimits(8);
    servicesOptions.zoho.epochClock = day.clock();
    servicesOptions.clock = day.clock();
    servicesOptions.shareThroughRedis = false;
    const auto services = EngineServices::create(profile, servicesOptions);

    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QLatin1String(WebhookSettings::kCrmTokenVariable), QLatin1String(kWebhookToken));
    ServeStack::Options stackOptions;
    stackOptions.clock = day.clock();
    stackOptions.environment = environment;
    auto stack = ServeStack::start(services, stackOptions);
    if (!stack)
        return stack.error();
    CacheEngine &engine = (*stack)->engine();

    CacheEngine::Options probeOptions = CacheEngine::servingOptions(profile);
    probeOptions.zohoService = services->zoho();
    probeOptions.database = services->database();
    probeOptions.clock = day.clock();
    probeOptions.environment = environment;
    auto probeEngine = CacheEngine::create(probeOptions);
    if (!probeEngine)
        return probeEngine.error();

    auto entities = EntityRegistry::builtIn();
    if (!entities)
        return entities.error();
    {
        // The default schedules, as `tiersync serve` seeds them; Books paused (not dashboard data).
        PgConnection connection(profile.pg);
        ScheduleRepository schedules(connection);
        if (auto seeded = schedules.seedDefaults(*entities, day.nowMs()); !seeded)
            return seeded.error();
        for (const QString &books : {QStringLiteral("products"), QStringLiteral("customers")})
            if (Status paused = schedules.setEnabled(Schedule::nameFor(books, SyncMode::Incremental), false,
                                                     QStringLiteral("bench"));
                !paused)
                return paused.error();
    }
    Scheduler::Options schedulerOptions;
    schedulerOptions.clock = day.clock();
    schedulerOptions.database = services->database();
    schedulerOptions.sync.clock = day.clock();
    Scheduler scheduler(Scheduler::runnerOf(SyncRunner(services->zoho(), services->database(), profile.redis)),
                        profile.pg, schedulerOptions);

    ChannelManager::Options channelOptions;
    channelOptions.publicUrl = (*stack)->url();
    channelOptions.token = Secret(QLatin1String(kWebhookToken));
    channelOptions.clientId = profile.zoho.clientId;
    channelOptions.clock = day.clock();
    ChannelManager channels(*entities, profile.pg, services->zoho()->client(), channelOptions);

    const auto clientCalls = [&] { return qint64(services->zoho()->client()->stats().calls); };
    const auto runDue = [&]() -> Status {
        auto ran = scheduler.runDue();
        if (!ran)
            return ran.error();
        return {};
    };

    // Before the day: the first slot of every feed (a cold, full listing), and the channels.
    QElapsedTimer cold;
    cold.start();
    if (Status ran = runDue(); !ran)
        return ran.error();
    if (notifications) {
        auto pass = channels.ensure();
        if (!pass)
            return pass.error();
        result.channelsEnabled = pass->enabled + pass->reenabled + pass->kept;
        if (pass->failed > 0)
            return makeError(ErrorKind::Internal, pass->errors.join(QStringLiteral("; ")));
    }
    result.coldSeconds = double(cold.elapsed()) / 1000.0;
    result.coldCalls = clientCalls();
    int coldRuns = 0;
    int coldFailed = 0;
    qint64 lastColdRun = 0;
    if (auto coldFeeds = feedCallsAfter(profile.pg, 0, &coldRuns, &coldFailed, &lastColdRun); !coldFeeds)
        return coldFeeds.error();
    else if (coldFailed > 0)
        return makeError(ErrorKind::Internal, QStringLiteral("%1 of the first feed runs failed").arg(coldFailed));
    else
        result.coldFeedCalls = *coldFeeds;

    // The day.
    const qint64 clientBefore = clientCalls();
    auto simBefore = test::simRequestsUnder(apiBase, QStringLiteral("/crm/"));
    if (!simBefore)
        return simBefore.error();
    std::vector<std::vector<qint64>> readNs(kReaderThreads);
    std::atomic<qint64> failedReads{0};
    const QStringList endpoints = engine.registry().names();
    SlicePool pool(kReaderThreads, [&](int thread, size_t i) {
        for (const QString &endpoint : endpoints) {
            QElapsedTimer timer;
            timer.start();
            const bool ok = bool(engine.read(endpoint, views[i].student, false));
            readNs[size_t(thread)].push_back(timer.nsecsElapsed());
            if (!ok)
                ++failedReads;
        }
    });
    PgConnection owners(profile.pg);
    std::vector<Probe> probes;  // not seen yet
    // Whether the probe's endpoint shows the change now.
    const auto shows = [&](const Probe &probe) {
        auto read = (*probeEngine)->read(probe.endpoint, probe.student, false);
        return read && modifiedIn(read->dataJson, probe.id) >= probe.changedMs;
    };
    qint64 simBehindMs = 0;
    const auto syncSimClock = [&]() -> Status {
        if (simBehindMs == 0)
            return {};
        if (auto moved = test::simAdvanceClock(apiBase, simBehindMs); !moved)
            return moved.error();
        simBehindMs = 0;
        return {};
    };
    QElapsedTimer real;
    real.start();
    size_t nextView = 0;
    size_t nextMutation = 0;
    for (qint64 at = 0; at < kDayMs; at += kStepMs) {
        if (at > 0) {
            day.advance(kStepMs);
            simBehindMs += kStepMs;
        }
        // The sim's clock catches up on every minute (every schedule slot is on one) and
        // before every mutation (its Modified_Time), so it is never behind when it matters.
        if (at % 60000 == 0)
            if (Status synced = syncSimClock(); !synced)
                return synced.error();
        QElapsedTimer phase;
        phase.start();
        auto ran = scheduler.runDue();
        if (!ran)
            return ran.error();
        (ran->isEmpty() ? result.claimSeconds : result.runSeconds) += double(phase.nsecsElapsed()) / 1e9;
        for (const ScheduleOutcome &outcome : std::as_const(*ran))
            for (const ChannelRepository::CheckResult &check : outcome.channelChecks)
                if (check.verdict == ChannelRepository::Verdict::Degraded)
                    ++result.degradedChecks;
        if (notifications && at > 0 && at % (3600 * 1000) == 0) {
            // As `tiersync serve`'s ChannelKeeper does (hourly).
            if (auto pass = channels.ensure(); !pass)
                return pass.error();
        }
        // Probes still waiting: seen after this step's feed runs? (Only a run or a
        // notification writes a snapshot or a key, so nothing else can show a change.)
        for (auto it = probes.begin(); !ran->isEmpty() && it != probes.end();) {
            if (shows(*it)) {
                result.changeSeconds.push_back(double(day.nowMs() - it->virtualAtMs) / 1000.0);
                it = probes.erase(it);
            } else {
                ++it;
            }
        }
        for (; nextMutation < mutations.size() && mutations[nextMutation].atMs <= at; ++nextMutation) {
            const Mutation &mutation = mutations[nextMutation];
            if (Status synced = syncSimClock(); !synced)
                return synced.error();
            QElapsedTimer sinceMutate;
            sinceMutate.start();
            QJsonObject fields{{QStringLiteral("count"), mutation.count}};
            if (notifications)
                fields.insert(QStringLiteral("wait_notifications"), true);
            auto mutated = test::simMutateOp(apiBase, mutation.module, QStringLiteral("update"), fields);
            if (!mutated)
                return mutated.error();
            const QJsonArray ids = mutated->value(QStringLiteral("ids")).toArray();
            result.mutated += ids.size();
            QStringList sample;
            for (int i = 0; i < std::min<qsizetype>(kProbesPerBatch, ids.size()); ++i)
                sample.append(ids.at(i).toString());
            auto owner = ownersOf(owners, sample);
            if (!owner)
                return owner.error();
            const qint64 changedMs = isoMs(mutated->value(QStringLiteral("modified_time")).toString());
            for (const QString &id : sample) {
                const Probe probe{endpointOfModule().value(mutation.module), owner->value(id), id, changedMs,
                                  day.nowMs()};
                if (probe.student <= 0)
                    continue;
                if (shows(probe))
                    result.changeSeconds.push_back(double(sinceMutate.nsecsElapsed()) / 1e9);
                else
                    probes.push_back(probe);
            }
        }
        const size_t first = nextView;
        while (nextView < views.size() && views[nextView].atMs < at + kStepMs)
            ++nextView;
        phase.start();
        pool.run(first, nextView);
        result.viewSeconds += double(phase.nsecsElapsed()) / 1e9;
    }
    engine.reader().waitForBackgroundRefreshes();
    result.realSeconds = double(real.elapsed()) / 1000.0;
    result.probesUnseen = qint64(probes.size());
    for (const Probe &probe : probes)
        if (probe.virtualAtMs > day.nowMs() - ScheduleRepository::kDefaultFeedIntervalSeconds * 1000LL)
            ++result.probesUnseenLastInterval;
    result.views = qint64(views.size());
    result.reads = result.views * endpoints.size();
    result.failedReads = failedReads;
    result.counts = engineCounts(engine);
    result.probeCounts = engineCounts(**probeEngine);
    for (const auto &perThread : readNs)
        result.readNs.insert(result.readNs.end(), perThread.begin(), perThread.end());
    result.clientCalls = clientCalls() - clientBefore;
    auto simAfter = test::simRequestsUnder(apiBase, QStringLiteral("/crm/"));
    if (!simAfter)
        return simAfter.error();
    result.simCalls = *simAfter - *simBefore;
    qint64 lastRun = 0;
    auto feed = feedCallsAfter(profile.pg, lastColdRun, &result.feedRuns, &result.failedRuns, &lastRun,
                               &result.fullRuns);
    if (!feed)
        return feed.error();
    result.feedCalls = *feed;
    if (auto sent = test::simNotifications(apiBase)) {
        result.notificationsSent = sent->value(QStringLiteral("sent")).toInteger();
        result.notificationsFailed = sent->value(QStringLiteral("failed")).toInteger();
    }
    (void)students;
    return result;
}

double quantile(std::vector<double> values, double q)
{
    if (values.empty())
        return -1;
    const size_t at = std::min(values.size() - 1, size_t(q * double(values.size())));
    std::nth_element(values.begin(), values.begin() + qint64(at), values.end());
    return values[at];
}

void printDay(bool notifications, const DayResult &day, int students)
{
    const auto share = [&](StatsCounter counter) {
        return day.reads > 0 ? 100.0 * double(day.counts.value(counter)) / double(day.reads) : 0.0;
    };
    const qint64 readCalls = qint64(day.counts.value(StatsCounter::ZohoCalls));
    const qint64 probeCalls = qint64(day.probeCounts.value(StatsCounter::ZohoCalls));
    // The dashboard's calls: everything the product sent during the day but the probes' reads.
    const qint64 calls = day.clientCalls - probeCalls;
    std::vector<double> readMs;
    readMs.reserve(day.readNs.size());
    for (const qint64 ns : day.readNs)
        readMs.push_back(double(ns) / 1e6);
    std::printf("\nnotifications %s: %lld views, %lld reads (%lld failed), %lld records changed, replayed in %.1f s "
                "real: feed runs %.1f s, empty scheduler ticks %.1f s, views %.1f s (before the day: first feed runs%s %.1f s, "
                "%lld Zoho calls)\n",
                notifications ? "on" : "off", static_cast<long long>(day.views), static_cast<long long>(day.reads),
                static_cast<long long>(day.failedReads), static_cast<long long>(day.mutated), day.realSeconds,
                day.runSeconds, day.claimSeconds, day.viewSeconds, notifications ? " and channels" : "", day.coldSeconds, static_cast<long long>(day.coldCalls));
    std::printf("  Zoho calls in the day: %lld by the product's client (feed runs %lld in %d runs, %d of them full%s, "
                "reads %lld, "
                "webhooks and channels %lld; probes %lld not counted)",
                static_cast<long long>(calls), static_cast<long long>(day.feedCalls), day.feedRuns, day.fullRuns,
                day.failedRuns > 0 ? qPrintable(QStringLiteral(", %1 not succeeded").arg(day.failedRuns)) : "",
                static_cast<long long>(readCalls), static_cast<long long>(calls - day.feedCalls - readCalls),
                static_cast<long long>(probeCalls));
    if (day.simCalls != day.clientCalls)
        std::printf("; zoho-sim counted %lld /crm/ requests (probes included)", static_cast<long long>(day.simCalls));
    std::printf("\n");
    if (notifications)
        std::printf("  notifications delivered %lld, failed %lld; feed runs that found changes a channel missed "
                    "(degraded it) %d\n",
                    static_cast<long long>(day.notificationsSent), static_cast<long long>(day.notificationsFailed),
                    day.degradedChecks);
    const double fullPerDay = double(day.coldFeedCalls) / 30.0;
    std::printf("  monthly full reconcile (not in this day): %lld calls (the cold listing), %.1f a day amortised "
                "over 30 days, included below\n",
                static_cast<long long>(day.coldFeedCalls), fullPerDay);
    std::printf("  Zoho calls per dashboard view        %.4f   (aim <= 0.02; the day alone %.4f)\n",
                (double(calls) + fullPerDay) / double(day.views), double(calls) / double(day.views));
    std::printf("  Zoho calls per student per day       %.4f   (aim <= 0.1; %d students; the day alone %.4f)\n",
                (double(calls) + fullPerDay) / double(students), students, double(calls) / double(students));
    std::printf("  reads from Redis or PostgreSQL       %.2f %%  (aim >= 99.5 %%; redis %.2f %%, postgres %.2f %%, "
                "zoho %.2f %%, stale %.2f %%)\n",
                share(StatsCounter::Redis) + share(StatsCounter::Postgres), share(StatsCounter::Redis),
                share(StatsCounter::Postgres), share(StatsCounter::Zoho), share(StatsCounter::Stale));
    std::printf("  read latency                         p50 %.3f ms, p99 %.3f ms, max %.1f ms  (aim p99 <= 5 ms; "
                "load average %s, %u cores)\n",
                quantile(readMs, 0.5), quantile(readMs, 0.99), quantile(readMs, 1.0), test::loadAverage().constData(),
                std::thread::hardware_concurrency());
    std::printf("  change reaches the dashboard         p50 %.3f s, p99 %.3f s, max %.3f s over %zu probes%s  (aim %s)\n",
                quantile(day.changeSeconds, 0.5), quantile(day.changeSeconds, 0.99),
                quantile(day.changeSeconds, 1.0), day.changeSeconds.size(),
                day.probesUnseen > 0 ? qPrintable(QStringLiteral(", %1 not seen by the day's end (%2 of them changed in "
                                                                 "its last 300 s)")
                                                      .arg(day.probesUnseen)
                                                      .arg(day.probesUnseenLastInterval))
                                     : "",
                notifications ? "p99 <= 5 s" : "within one schedule interval, 300 s");
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("tiersync.*.info=false"));
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption(test::studentsOption());
    parser.addOption({QStringLiteral("views"), QStringLiteral("Dashboard views in the day (15000)."),
                      QStringLiteral("n"), QStringLiteral("15000")});
    parser.addOption({QStringLiteral("notify"), QStringLiteral("Notification channels: off, on or both (both)."),
                      QStringLiteral("mode"), QStringLiteral("both")});
    parser.process(app);
    const int students = parser.value(QStringLiteral("students")).toInt();
    const int dailyViews = parser.value(QStringLiteral("views")).toInt();
    const QString notify = parser.value(QStringLiteral("notify"));
    if (students < 1 || dailyViews < 1 || !QStringList{"off", "on", "both"}.contains(notify))
        return fail(QStringLiteral("--students and --views want positive numbers, --notify off, on or both"));

    auto sandbox = test::sandboxProfile();
    if (!sandbox)
        return fail(sandbox.error().toString());
    const std::vector<View> views = dayOfViews(students, dailyViews, 1.0, 20240601);
    std::set<int> distinct;
    for (const View &view : views)
        distinct.insert(view.student);
    std::printf("simulated day on a virtual clock (2030-01-07, 10 s steps): %zu dashboard views (5 reads each) of %zu "
                "distinct students, Zipf s=1 over %d students, diurnal; 2 %% of every module changed per hour; the "
                "product's default schedules (feeds every 5 min, 2 h while a channel is healthy; full monthly)\n",
                views.size(), distinct.size(), students);
    const QStringList simArguments = {QStringLiteral("--students"), QString::number(students),
                                      QStringLiteral("--limits"), QStringLiteral("off"),
                                      QStringLiteral("--token-ttl-s"), QString::number(3 * 24 * 3600)};
    for (const bool notifications : {false, true}) {
        if (notify != QLatin1String("both") && (notify == QLatin1String("on")) != notifications)
            continue;
        auto day = simulateDay(*sandbox, simArguments, notifications, views, students);
        if (!day)
            return fail(day.error().toString());
        printDay(notifications, *day, students);
    }
    return 0;
}
