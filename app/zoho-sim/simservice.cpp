#include "simservice.h"

#include "simcriteria.h"
#include "simreplies.h"
#include "simrandom.h"
#include "simtime.h"
#include "simwebhooksender.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QUrlQuery>

#include <httplib.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <random>

namespace tiersync::sim {
namespace {

constexpr int maxPerPage = 200;
constexpr int maxIdsPerGet = 100;  // CRM Get Records: `ids` takes at most 100
constexpr int crmPageParamLimit = 2000;      // records reachable with `page` alone
constexpr qint64 pageTokenLifetimeS = 86400;  // Zoho: page tokens live 24 h
constexpr int webhookTimeoutMs = 10000;

SimReply booksError(int status, int code, const QString &message)
{
    return jsonReply(status, QJsonObject{{QStringLiteral("code"), code}, {QStringLiteral("message"), message}});
}

std::optional<std::string> param(const httplib::Request &request, const char *name)
{
    if (!request.has_param(name))
        return std::nullopt;
    return request.get_param_value(name);
}

// A positive decimal integer, or nothing.
std::optional<int> positive(const std::string &text)
{
    int value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < 1)
        return std::nullopt;
    return value;
}

bool startsWith(std::string_view text, std::string_view prefix)
{
    return text.substr(0, prefix.size()) == prefix;
}

bool allDigits(std::string_view text)
{
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

quint64 fnv1a(std::string_view text, quint64 hash = 0xcbf29ce484222325ULL)
{
    for (const char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

std::string hex(quint64 value, int digits)
{
    static constexpr char alphabet[] = "0123456789abcdef";
    std::string out(static_cast<std::size_t>(digits), '0');
    for (int i = digits - 1; i >= 0; --i, value >>= 4)
        out[static_cast<std::size_t>(i)] = alphabet[value & 0xF];
    return out;
}

std::optional<quint64> unhex(std::string_view text)
{
    quint64 value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
    if (error != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

// Form fields of the token request: Zoho accepts them in the query string or in an
// application/x-www-form-urlencoded body.
QString formField(const httplib::Request &request, const char *name)
{
    if (request.has_param(name))
        return QString::fromStdString(request.get_param_value(name));
    QString body = QString::fromStdString(request.body);
    body.replace(QLatin1Char('+'), QLatin1Char(' '));
    return QUrlQuery(body).queryItemValue(QString::fromLatin1(name), QUrl::FullyDecoded);
}

double drawUnit()
{
    thread_local std::mt19937_64 random{std::random_device{}()};
    return static_cast<double>(random() >> 11) * (1.0 / 9007199254740992.0);
}

void appendRecords(std::string &out, const std::vector<SimRecord> &records, const std::vector<int> *selection,
                   int offset, int count)
{
    for (int i = 0; i < count; ++i) {
        if (i > 0)
            out.push_back(',');
        const int index = selection ? (*selection)[static_cast<std::size_t>(offset + i)] : offset + i;
        out.append(records[static_cast<std::size_t>(index)].json);
    }
}

std::size_t pageBytes(const std::vector<SimRecord> &records, const std::vector<int> *selection, int offset,
                      int count)
{
    std::size_t bytes = 0;
    for (int i = 0; i < count; ++i) {
        const int index = selection ? (*selection)[static_cast<std::size_t>(offset + i)] : offset + i;
        bytes += records[static_cast<std::size_t>(index)].json.size() + 1;
    }
    return bytes;
}

// Gives back an admitted request's in-flight slot on every way out of handle().
class InFlight final {
public:
    InFlight(SimLimits &limits, int tenant, SimLimits::Family family)
        : m_limits(limits), m_tenant(tenant), m_family(family)
    {
    }
    Q_DISABLE_COPY_MOVE(InFlight)
    ~InFlight() { m_limits.release(m_tenant, m_family); }

private:
    SimLimits &m_limits;
    const int m_tenant;
    const SimLimits::Family m_family;
};

const QString perMinuteMessage =
    QStringLiteral("You have made too many requests per minute. Please try again after some time.");
const QString perDayMessage =
    QStringLiteral("You have reached the maximum number of API calls allowed per day for your plan.");
const QString concurrencyMessage = QStringLiteral(
    "You have exceeded the maximum number of concurrent requests allowed. Please try again after some time.");
const QString crmTooManyMessage =
    QStringLiteral("You have made too many requests. Please try again after some time.");
const QString accessDeniedDescription =
    QStringLiteral("You have made too many requests continuously. Please try again after some time.");

}  // namespace

SimService::SimService(const SimOptions &options, EpochClock clock)
    : m_options(options),
      m_clock(std::move(clock)),
      m_data(options.seed, options.products, options.customers, options.students),
      m_tenants(SimTenant{options.orgId, options.clientId, options.clientSecret, options.refreshToken}),
      m_tokens(options.tokenTtlS),
      m_limits(options.limits),
      m_pageTokenSalt(std::random_device{}() * 0x9E3779B97F4A7C15ULL ^ std::random_device{}())
{
    m_faults.latencyMinMs = options.latencyMinMs;
    m_faults.latencyMaxMs = options.latencyMaxMs;
    m_apiDomain = QStringLiteral("http://%1:%2").arg(options.host).arg(options.port).toStdString();
}

SimService::~SimService() = default;

qint64 SimService::nowSeconds() const
{
    return m_clock.nowMs() / 1000;
}

void SimService::setApiDomain(const std::string &apiDomain)
{
    std::lock_guard lock(m_configMutex);
    m_apiDomain = apiDomain;
}

std::string SimService::apiDomain() const
{
    std::lock_guard lock(m_configMutex);
    return m_apiDomain;
}

void SimService::shutdown()
{
    {
        std::lock_guard lock(m_stopMutex);
        m_stopping = true;
    }
    m_stopCondition.notify_all();
    m_notifier.stop();
}

bool SimService::waitMs(int ms)
{
    std::unique_lock lock(m_stopMutex);
    return !m_stopCondition.wait_for(lock, std::chrono::milliseconds(ms), [this] { return m_stopping; });
}

SimReply SimService::handle(const httplib::Request &request)
{
    const std::string_view path = request.path;
    if (startsWith(path, "/_sim/"))
        return control(request);
    m_stats.count(request.method, request.path);

    Api api = Api::Other;
    SimLimits::Family family = SimLimits::Family::OAuth;
    std::string_view rest;
    if (startsWith(path, "/oauth/")) {
        api = Api::OAuth;
    } else if (startsWith(path, "/books/v3/")) {
        api = Api::Books;
        family = SimLimits::Family::Books;
        rest = path.substr(10);
    } else if (startsWith(path, "/inventory/v1/")) {
        api = Api::Books;
        family = SimLimits::Family::Inventory;
        rest = path.substr(14);
    } else if (startsWith(path, "/crm/v") && path.size() > 6) {
        // Any CRM API version (v2 … v8) serves the same records.
        const std::size_t slash = path.find('/', 6);
        if (slash != std::string_view::npos && allDigits(path.substr(6, slash - 6))) {
            api = Api::Crm;
            family = SimLimits::Family::Crm;
            rest = path.substr(slash + 1);
        }
    }
    if (api == Api::Other)
        return booksError(404, 5, QStringLiteral("Invalid URL Passed"));

    // The limits act first, as Zoho's do: on a request the sim can pin on a tenant (a
    // valid token; for Books also that tenant's organization_id). Others are answered
    // 401/6041 below and spend nothing. An admitted request is in flight through the
    // latency and any fault until it is answered.
    const std::optional<int> tenant = api == Api::OAuth ? std::nullopt : tokenTenant(request);
    std::optional<int> budgetTenant = tenant;
    if (tenant && api == Api::Books) {
        const auto org = param(request, "organization_id");
        if (!org || QString::fromStdString(*org) != m_tenants.at(*tenant).orgId)
            budgetTenant.reset();
    }
    SimLimits::Headers limitHeaders;
    std::optional<InFlight> inFlight;
    if (budgetTenant) {
        SimLimits::Admission admission = m_limits.admit(*budgetTenant, family, m_clock.nowMs());
        if (admission.verdict != SimLimits::Verdict::Admitted)
            return limitReply(api, admission);
        inFlight.emplace(m_limits, *budgetTenant, family);
        limitHeaders = std::move(admission.headers);
    }

    SimReply answer;
    if (auto fault = injectFault(api)) {
        answer = std::move(*fault);
    } else if (api == Api::OAuth) {
        answer = path == "/oauth/v2/token" ? oauthToken(request)
                                           : booksError(404, 5, QStringLiteral("Invalid URL Passed"));
    } else {
        answer = api == Api::Books ? books(request, rest, tenant) : crm(request, rest, tenant);
    }
    answer.headers.insert(answer.headers.end(), limitHeaders.begin(), limitHeaders.end());
    return answer;
}

SimReply SimService::limitReply(Api api, const SimLimits::Admission &admission) const
{
    SimReply limited;
    if (api == Api::Crm) {
        // Zoho sends no Retry-After; the credits case carries X-API-CREDITS-REMAINING: 0.
        limited = crmError(429, QStringLiteral("TOO_MANY_REQUESTS"), crmTooManyMessage);
    } else {
        switch (admission.verdict) {
        case SimLimits::Verdict::PerDay: limited = booksError(429, 45, perDayMessage); break;
        case SimLimits::Verdict::Concurrency: limited = booksError(429, 1070, concurrencyMessage); break;
        default: limited = booksError(429, 44, perMinuteMessage); break;
        }
    }
    limited.headers = admission.headers;
    return limited;
}

std::optional<SimReply> SimService::injectFault(Api api)
{
    SimFaultConfig faults;
    bool failNow = false;
    {
        std::lock_guard lock(m_configMutex);
        faults = m_faults;
        if (api != Api::OAuth && m_faults.failNext > 0) {
            --m_faults.failNext;
            failNow = true;
        }
    }
    if (failNow) {
        if (faults.failStatus == 0) {
            (void)waitMs(faults.timeoutMs);
            SimReply dropped;
            dropped.action = SimReply::Action::Drop;
            return dropped;
        }
        if (faults.failStatus == 304)
            return emptyReply(304);
        // What a proxy in front of Zoho answers: no Zoho body.
        return reply(faults.failStatus, "<html><body><h1>" + std::to_string(faults.failStatus) + "</h1></body></html>");
    }
    if (faults.latencyMaxMs > 0) {
        const int spread = faults.latencyMaxMs - faults.latencyMinMs;
        const int delayMs = faults.latencyMinMs + static_cast<int>(drawUnit() * (spread + 1));
        if (!waitMs(std::min(delayMs, faults.latencyMaxMs))) {
            SimReply dropped;
            dropped.action = SimReply::Action::Drop;
            return dropped;
        }
    }
    if (faults.reset > 0 && drawUnit() < faults.reset) {
        SimReply reset;
        reset.action = SimReply::Action::Reset;
        return reset;
    }
    if (faults.timeout > 0 && drawUnit() < faults.timeout) {
        (void)waitMs(faults.timeoutMs);
        SimReply dropped;
        dropped.action = SimReply::Action::Drop;
        return dropped;
    }
    if (faults.error5xx > 0 && drawUnit() < faults.error5xx) {
        switch (api) {
        case Api::Crm:
            return crmError(500, QStringLiteral("INTERNAL_ERROR"),
                            QStringLiteral("Internal Server Error occurred while processing this request"));
        case Api::OAuth:
            return jsonReply(500, QJsonObject{{QStringLiteral("error"), QStringLiteral("internal_error")}});
        default: return booksError(500, 1000, QStringLiteral("Internal error"));
        }
    }
    if (faults.rate429 > 0 && drawUnit() < faults.rate429) {
        SimReply limited;
        switch (api) {
        case Api::Crm:
            limited = crmError(429, QStringLiteral("TOO_MANY_REQUESTS"), crmTooManyMessage);
            break;
        case Api::OAuth:
            limited = jsonReply(429, QJsonObject{
                {QStringLiteral("error"), QStringLiteral("Access Denied")},
                {QStringLiteral("error_description"), accessDeniedDescription}});
            break;
        default:
            limited = booksError(429, faults.rate429Code,
                                 faults.rate429Code == 45     ? perDayMessage
                                 : faults.rate429Code == 1070 ? concurrencyMessage
                                                              : perMinuteMessage);
            break;
        }
        if (faults.retryAfterS > 0)
            limited.headers.emplace_back("Retry-After", std::to_string(faults.retryAfterS));
        return limited;
    }
    return std::nullopt;
}

SimReply SimService::oauthToken(const httplib::Request &request)
{
    if (request.method != "POST")
        return jsonReply(405, QJsonObject{{QStringLiteral("error"), QStringLiteral("invalid_request_method")}});
    auto oauthError = [](const char *error) {
        return jsonReply(200, QJsonObject{{QStringLiteral("error"), QString::fromLatin1(error)}});
    };
    // Zoho checks the client before the secret before the grant, and answers all of
    // them with HTTP 200. The client id picks the tenant.
    const auto tenant = m_tenants.byClientId(formField(request, "client_id"));
    if (!tenant)
        return oauthError("invalid_client");
    const SimTenant who = m_tenants.at(*tenant);
    if (formField(request, "client_secret") != who.clientSecret)
        return oauthError("invalid_client_secret");
    if (formField(request, "grant_type") != QLatin1String("refresh_token"))
        return oauthError("unsupported_grant_type");
    if (formField(request, "refresh_token") != who.refreshToken)
        return oauthError("invalid_code");
    const qint64 nowMs = m_clock.nowMs();
    // With the limits on, Zoho's throttle always applies; off, only the /_sim/oauth knob.
    const SimLimitConfig limits = m_limits.config();
    const auto issued = m_tokens.issue(*tenant, nowMs, limits.enabled ? std::optional<int>(limits.oauthPer10Min)
                                                                      : std::nullopt);
    m_limits.recordToken(*tenant, nowMs, issued.has_value());
    if (!issued) {
        return jsonReply(m_tokens.throttleStatus(),
                         QJsonObject{{QStringLiteral("error"), QStringLiteral("Access Denied")},
                                     {QStringLiteral("error_description"), accessDeniedDescription},
                                     {QStringLiteral("status"), QStringLiteral("failure")}});
    }
    const std::string &token = *issued;
    const int ttlS = m_tokens.ttlS();
    QJsonObject answer{{QStringLiteral("access_token"), QString::fromStdString(token)},
                       {QStringLiteral("api_domain"), QString::fromStdString(apiDomain())},
                       {QStringLiteral("token_type"), QStringLiteral("Bearer")},
                       {QStringLiteral("scope"), QStringLiteral("ZohoBooks.fullaccess.all ZohoCRM.modules.ALL")}};
    if (m_tokens.legacyExpiry()) {
        answer.insert(QStringLiteral("expires_in_sec"), ttlS);
        answer.insert(QStringLiteral("expires_in"), static_cast<qint64>(ttlS) * 1000);
    } else {
        answer.insert(QStringLiteral("expires_in"), ttlS);
    }
    return jsonReply(200, answer);
}

std::optional<int> SimService::tokenTenant(const httplib::Request &request) const
{
    const std::string header = request.get_header_value("Authorization");
    std::string_view token = header;
    if (startsWith(token, "Zoho-oauthtoken "))
        token.remove_prefix(16);
    else if (startsWith(token, "Bearer "))
        token.remove_prefix(7);
    else
        return std::nullopt;
    return m_tokens.tenantOf(token, m_clock.nowMs());
}

SimReply SimService::books(const httplib::Request &request, std::string_view rest, std::optional<int> tenant)
{
    const std::size_t slash = rest.find('/');
    const std::string_view resource = rest.substr(0, slash);
    const std::string_view id = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    std::optional<SimEntity> entity;
    if (resource == "items")
        entity = SimEntity::Products;
    else if (resource == "contacts")
        entity = SimEntity::Customers;
    if (!entity || (slash != std::string_view::npos && (id.empty() || id.find('/') != std::string_view::npos)))
        return booksError(404, 5, QStringLiteral("Invalid URL Passed"));
    if (!tenant)
        return booksError(401, 57, QStringLiteral("You are not authorized to perform this operation"));
    const auto org = param(request, "organization_id");
    if (!org || org->empty())
        return booksError(400, 6041, QStringLiteral("Organization ID is not specified. Please pass organization_id."));
    // An access token serves its own tenant's organisation only.
    if (QString::fromStdString(*org) != m_tenants.at(*tenant).orgId)
        return booksError(400, 6041, QStringLiteral("This user is not associated with the CompanyID/CompanyName:%1.")
                                         .arg(QString::fromStdString(*org)));
    if (request.method != "GET")
        return booksError(405, 37, QStringLiteral("The HTTP method %1 is not allowed for the requested resource")
                                       .arg(QString::fromStdString(request.method)));
    if (id.empty())
        return booksList(*entity, request);

    std::shared_lock lock(m_dataMutex);
    const int index = m_data.indexOfId(*entity, id);
    if (index < 0) {
        return booksError(404, 1002, *entity == SimEntity::Products ? QStringLiteral("Item does not exist.")
                                                                    : QStringLiteral("Contact does not exist."));
    }
    const std::string &json = m_data.records(*entity)[static_cast<std::size_t>(index)].json;
    std::string body;
    body.reserve(json.size() + 64);
    body.append(R"({"code":0,"message":"success",)")
        .append(*entity == SimEntity::Products ? R"("item":)" : R"("contact":)")
        .append(json)
        .append("}");
    return reply(200, std::move(body));
}

SimReply SimService::booksList(SimEntity entity, const httplib::Request &request)
{
    int page = 1;
    int perPage = maxPerPage;
    if (const auto text = param(request, "page")) {
        const auto value = positive(*text);
        if (!value)
            return booksError(400, 2, QStringLiteral("Invalid value passed for page"));
        page = *value;
    }
    if (const auto text = param(request, "per_page")) {
        const auto value = positive(*text);
        if (!value)
            return booksError(400, 2, QStringLiteral("Invalid value passed for per_page"));
        perPage = std::min(*value, maxPerPage);
    }
    const bool products = entity == SimEntity::Products;
    // Sorted by name unless sort_column asks for a time (sort_order A or D).
    const QString nameColumn = products ? QStringLiteral("name") : QStringLiteral("contact_name");
    QString sortColumn = nameColumn;
    if (const auto text = param(request, "sort_column")) {
        sortColumn = QString::fromStdString(*text);
        if (sortColumn != nameColumn && sortColumn != QLatin1String("last_modified_time")
            && sortColumn != QLatin1String("created_time"))
            return booksError(400, 2, QStringLiteral("Invalid value passed for sort_column"));
    }
    bool descending = false;
    if (const auto text = param(request, "sort_order")) {
        if (*text != "A" && *text != "D")
            return booksError(400, 2, QStringLiteral("Invalid value passed for sort_order"));
        descending = *text == "D";
    }
    const bool defaultOrder = sortColumn == nameColumn && !descending;
    const SimPagingFault fault = pagingFault(request);
    std::shared_lock lock(m_dataMutex);
    const auto &records = m_data.records(entity);
    const std::vector<int> order = defaultOrder ? std::vector<int>() : booksOrder(records, sortColumn, descending);
    const std::vector<int> *chosen = defaultOrder ? nullptr : &order;
    const auto total = static_cast<qint64>(records.size());
    const SimPageWindow window = SimPageWindow::of(fault, page, (static_cast<qint64>(page) - 1) * perPage, perPage, total);
    const qint64 offset = window.offset;
    const int count = window.count;
    const bool more = window.more;

    std::string body;
    body.reserve(pageBytes(records, chosen, static_cast<int>(offset), count) + 256);
    body.append(R"({"code":0,"message":"success",)").append(products ? R"("items":[)" : R"("contacts":[)");
    appendRecords(body, records, chosen, static_cast<int>(offset), count);
    body.append(R"(],"page_context":{"page":)")
        .append(std::to_string(window.echoedPage))
        .append(R"(,"per_page":)")
        .append(std::to_string(perPage))
        .append(R"(,"has_more_page":)")
        .append(more ? "true" : "false")
        .append(products ? R"(,"report_name":"Items")" : R"(,"report_name":"Contacts")")
        .append(R"(,"applied_filter":"Status.All","sort_column":")")
        .append(sortColumn.toStdString())
        .append(R"(","sort_order":")")
        .append(descending ? "D" : "A")
        .append(R"("}})");
    lock.unlock();
    if (defaultOrder && more)
        driftAfterPage(entity, request.path, offset + count);
    return reply(200, std::move(body));
}

SimPagingFault SimService::pagingFault(const httplib::Request &request) const
{
    std::lock_guard lock(m_configMutex);
    if (!m_faults.pagingPath.isEmpty() && m_faults.pagingPath != QString::fromStdString(request.path))
        return SimPagingFault::None;
    return m_faults.paging;
}

SimReply SimService::crm(const httplib::Request &request, std::string_view rest, std::optional<int> tenant)
{
    if (!tenant)
        return crmError(401, QStringLiteral("INVALID_TOKEN"), QStringLiteral("invalid oauth token"));
    if (rest == "actions/watch") {
        const std::string_view path = request.path;
        const std::string_view version = path.substr(5, path.find('/', 5) - 5);  // "/crm/v2/…" → "v2"
        return m_channels.handle(request, *tenant, m_clock.nowMs(), QString::fromStdString(apiDomain()),
                                 QString::fromUtf8(version.data(), static_cast<qsizetype>(version.size())));
    }
    const std::size_t slash = rest.find('/');
    const std::string_view moduleName = rest.substr(0, slash);
    const auto entity = crmModuleFromName(QString::fromUtf8(moduleName.data(), static_cast<qsizetype>(moduleName.size())));
    if (!entity)
        return crmError(400, QStringLiteral("INVALID_MODULE"), QStringLiteral("the module name given seems to be invalid"));
    if (request.method != "GET")
        return crmError(400, QStringLiteral("INVALID_REQUEST_METHOD"),
                        QStringLiteral("The http request method type is not a valid one"));

    std::optional<qint64> sinceS;
    const std::string since = request.get_header_value("If-Modified-Since");
    if (!since.empty()) {
        sinceS = parseHttpOrIsoTime(QString::fromStdString(since));
        if (!sinceS)
            return crmError(400, QStringLiteral("INVALID_DATA"), QStringLiteral("invalid If-Modified-Since header"),
                            QJsonObject{{QStringLiteral("header_name"), QStringLiteral("If-Modified-Since")}});
    }

    const std::string_view sub = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if ((slash == std::string_view::npos || sub.empty()) && request.has_param("ids"))
        return crmListByIds(*entity, request, sinceS);
    if (slash == std::string_view::npos || sub.empty())
        return crmList(*entity, request, nullptr, {}, sinceS);
    if (sub == "deleted")
        return crmDeleted(*entity, request, sinceS);
    if (sub == "search") {
        const auto text = param(request, "criteria");
        if (!text || text->empty())
            return crmError(400, QStringLiteral("REQUIRED_PARAM_MISSING"),
                            QStringLiteral("One of the expected parameter is missing"),
                            QJsonObject{{QStringLiteral("param"), QStringLiteral("criteria")}});
        const QString criteriaText = QString::fromStdString(*text);
        auto criteria = SimCriteria::parse(criteriaText);
        if (!criteria)
            return crmError(400, QStringLiteral("INVALID_QUERY"), QStringLiteral("Invalid query formed"),
                            QJsonObject{{QStringLiteral("reason"), criteria.error().message}});
        return crmList(*entity, request, &*criteria, criteriaText, sinceS);
    }
    if (!allDigits(sub))
        return crmError(400, QStringLiteral("INVALID_DATA"), QStringLiteral("the id given seems to be invalid"),
                        QJsonObject{{QStringLiteral("id"), QString::fromUtf8(sub.data(), static_cast<qsizetype>(sub.size()))}});

    std::shared_lock lock(m_dataMutex);
    const int index = m_data.indexOfId(*entity, sub);
    if (index < 0)
        return emptyReply(204);  // Zoho answers a record it does not have with "no content"
    const SimRecord &record = m_data.records(*entity)[static_cast<std::size_t>(index)];
    if (sinceS && record.modifiedS <= *sinceS)
        return emptyReply(304);
    std::string body;
    body.reserve(record.json.size() + 16);
    body.append(R"({"data":[)").append(record.json).append("]}");
    return reply(200, std::move(body));
}

// GET /crm/v2/{Module}?ids=a,b,… (Zoho's Get Records with `ids`): the records of those ids
// that exist, in id order, on one page; at most 100 ids, each digits only. None of them (or
// none modified since If-Modified-Since) → 204 / 304, as the list answers.
SimReply SimService::crmListByIds(SimEntity entity, const httplib::Request &request, std::optional<qint64> sinceS)
{
    const std::string text = request.get_param_value("ids");
    std::vector<std::string_view> ids;
    std::string_view rest = text;
    while (!rest.empty() || ids.empty()) {
        const std::size_t comma = rest.find(',');
        const std::string_view id = rest.substr(0, comma);
        if (!allDigits(id))
            return crmError(400, QStringLiteral("INVALID_DATA"), QStringLiteral("the id given seems to be invalid"),
                            QJsonObject{{QStringLiteral("param_name"), QStringLiteral("ids")}});
        ids.push_back(id);
        if (comma == std::string_view::npos)
            break;
        rest = rest.substr(comma + 1);
        if (rest.empty())  // a trailing comma names an empty id
            return crmError(400, QStringLiteral("INVALID_DATA"), QStringLiteral("the id given seems to be invalid"),
                            QJsonObject{{QStringLiteral("param_name"), QStringLiteral("ids")}});
    }
    if (ids.size() > static_cast<std::size_t>(maxIdsPerGet))
        return crmError(400, QStringLiteral("LIMIT_EXCEEDED"),
                        QStringLiteral("the number of ids exceeds the limit of %1").arg(maxIdsPerGet),
                        QJsonObject{{QStringLiteral("param_name"), QStringLiteral("ids")},
                                    {QStringLiteral("limit"), maxIdsPerGet}});
    std::shared_lock lock(m_dataMutex);
    const auto &records = m_data.records(entity);
    std::vector<int> selection;
    bool anyKnown = false;
    for (const std::string_view id : ids) {
        const int index = m_data.indexOfId(entity, id);
        if (index < 0)
            continue;
        anyKnown = true;
        if (sinceS && records[static_cast<std::size_t>(index)].modifiedS <= *sinceS)
            continue;
        if (std::find(selection.begin(), selection.end(), index) == selection.end())
            selection.push_back(index);
    }
    if (selection.empty())
        return emptyReply(anyKnown && sinceS ? 304 : 204);
    std::sort(selection.begin(), selection.end());  // the list's own order (by id)
    const int count = static_cast<int>(selection.size());
    std::string body;
    body.reserve(pageBytes(records, &selection, 0, count) + 160);
    body.append(R"({"data":[)");
    appendRecords(body, records, &selection, 0, count);
    body.append(R"(],"info":{"per_page":)")
        .append(std::to_string(maxPerPage))
        .append(R"(,"count":)")
        .append(std::to_string(count))
        .append(R"(,"page":1,"sort_by":"id","sort_order":"asc","more_records":false,"next_page_token":null}})");
    return reply(200, std::move(body));
}

SimReply SimService::crmList(SimEntity entity, const httplib::Request &request, const SimCriteria *criteria,
                             const QString &criteriaText, std::optional<qint64> sinceS)
{
    int perPage = maxPerPage;
    if (const auto text = param(request, "per_page")) {
        const auto value = positive(*text);
        if (!value)
            return crmError(400, QStringLiteral("INVALID_DATA"), QStringLiteral("invalid data"),
                            QJsonObject{{QStringLiteral("param_name"), QStringLiteral("per_page")}});
        perPage = std::min(*value, maxPerPage);
    }
    // A page token is bound to its module and query (criteria and If-Modified-Since).
    const std::string moduleName = simEntityName(entity).toStdString();
    const quint64 queryHash = fnv1a(criteriaText.toStdString() + '\x1f' + (sinceS ? std::to_string(*sinceS) : std::string()),
                                    fnv1a(moduleName));
    qint64 offset = 0;
    int page = 1;
    if (const auto token = param(request, "page_token")) {
        const auto tokenOffset = pageTokenOffset(*token, entity, queryHash);
        if (!tokenOffset)
            return crmError(400, QStringLiteral("INVALID_DATA"),
                            QStringLiteral("the given page_token is invalid or has expired"),
                            QJsonObject{{QStringLiteral("param_name"), QStringLiteral("page_token")}});
        offset = *tokenOffset;
        page = static_cast<int>(offset / perPage) + 1;
    } else if (const auto text = param(request, "page")) {
        const auto value = positive(*text);
        if (!value)
            return crmError(400, QStringLiteral("INVALID_DATA"), QStringLiteral("invalid data"),
                            QJsonObject{{QStringLiteral("param_name"), QStringLiteral("page")}});
        page = *value;
        offset = (static_cast<qint64>(page) - 1) * perPage;
    }
    if (!param(request, "page_token") && static_cast<qint64>(page) * perPage > crmPageParamLimit)
        return crmError(400, QStringLiteral("DISCRETE_PAGINATION_LIMIT_EXCEEDED"),
                        QStringLiteral("Cannot fetch more than 2000 records using page. Use page_token "
                                       "from info.next_page_token to continue."),
                        QJsonObject{{QStringLiteral("limit"), crmPageParamLimit}});

    const SimPagingFault fault = pagingFault(request);
    std::shared_lock lock(m_dataMutex);
    const auto &records = m_data.records(entity);
    std::vector<int> selection;
    const bool filtered = criteria || sinceS;
    if (filtered) {
        auto wanted = [&](int index) {
            const SimRecord &record = records[static_cast<std::size_t>(index)];
            return !sinceS || record.modifiedS > *sinceS;
        };
        const auto equals = criteria ? criteria->singleEquals() : std::nullopt;
        if (equals && equals->first.compare(QLatin1String("Moodle_User_ID"), Qt::CaseInsensitive) == 0) {
            bool ok = false;
            const int user = equals->second.trimmed().toInt(&ok);
            for (const int index : m_data.indicesOfMoodleUser(entity, ok ? user : 0)) {
                if (wanted(index))
                    selection.push_back(index);
            }
        } else if (equals && equals->first == QLatin1String("id")) {
            const int index = m_data.indexOfId(entity, equals->second.trimmed().toStdString());
            if (index >= 0 && wanted(index))
                selection.push_back(index);
        } else {
            for (int index = 0; index < static_cast<int>(records.size()); ++index) {
                if (!wanted(index))
                    continue;
                if (criteria) {
                    const QJsonObject object = m_data.object(entity, index);
                    const bool match = criteria->matches([&object](const QString &field) -> std::optional<QString> {
                        const QJsonValue value = object.value(field);
                        if (value.isString())
                            return value.toString();
                        if (value.isDouble())
                            return QString::number(value.toDouble(), 'g', 17);
                        if (value.isBool())
                            return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
                        if (value.isObject())
                            return value.toObject().value(QLatin1String("id")).toString();
                        return std::nullopt;
                    });
                    if (!match)
                        continue;
                }
                selection.push_back(index);
            }
        }
    }
    const qint64 total = filtered ? static_cast<qint64>(selection.size()) : static_cast<qint64>(records.size());
    // Nothing changed since If-Modified-Since → 304; nothing at all (or past the end) → 204.
    if (total == 0 && sinceS && !criteria)
        return emptyReply(304);
    if (offset >= total && !simPagingGoesOn(fault))
        return emptyReply(204);
    const SimPageWindow window = SimPageWindow::of(fault, page, offset, perPage, total);
    offset = window.offset;
    const int count = window.count;
    const bool more = window.more;
    const std::vector<int> *chosen = filtered ? &selection : nullptr;

    std::string body;
    body.reserve(pageBytes(records, chosen, static_cast<int>(offset), count) + 320);
    body.append(R"({"data":[)");
    appendRecords(body, records, chosen, static_cast<int>(offset), count);
    body.append(R"(],"info":{"per_page":)")
        .append(std::to_string(perPage))
        .append(R"(,"count":)")
        .append(std::to_string(count))
        .append(R"(,"page":)")
        .append(std::to_string(window.echoedPage))
        .append(R"(,"sort_by":"id","sort_order":"asc","more_records":)")
        .append(more ? "true" : "false");
    if (more) {
        body.append(R"(,"next_page_token":")")
            .append(pageToken(entity, queryHash, static_cast<int>(offset + count)))
            .append(R"(","page_token_expiry":")")
            .append(formatCrmTime(nowSeconds() + pageTokenLifetimeS))
            .append("\"");
    } else {
        body.append(R"(,"next_page_token":null)");
    }
    if (const auto token = param(request, "page_token"))
        body.append(R"(,"page_token":")").append(*token).append("\"");
    body.append("}}");
    lock.unlock();
    if (!filtered && more)
        driftAfterPage(entity, request.path, offset + count);
    return reply(200, std::move(body));
}

std::string SimService::pageToken(SimEntity entity, quint64 queryHash, int offset) const
{
    const auto issuedS = static_cast<quint64>(nowSeconds());
    SimRandom mac(m_pageTokenSalt ^ queryHash, static_cast<quint64>(simEntityIndex(entity)),
                  static_cast<quint64>(offset) << 32 ^ issuedS);
    return hex(static_cast<quint64>(offset), 8) + hex(issuedS, 10) + hex(mac.next(), 16);
}

std::optional<int> SimService::pageTokenOffset(const std::string &token, SimEntity entity, quint64 queryHash) const
{
    if (token.size() != 34)
        return std::nullopt;
    const auto offset = unhex(std::string_view(token).substr(0, 8));
    const auto issuedS = unhex(std::string_view(token).substr(8, 10));
    const auto mac = unhex(std::string_view(token).substr(18, 16));
    if (!offset || !issuedS || !mac)
        return std::nullopt;
    SimRandom expected(m_pageTokenSalt ^ queryHash, static_cast<quint64>(simEntityIndex(entity)),
                       *offset << 32 ^ *issuedS);
    if (expected.next() != *mac || static_cast<qint64>(*issuedS) + pageTokenLifetimeS < nowSeconds())
        return std::nullopt;
    return static_cast<int>(*offset);
}

SimReply SimService::control(const httplib::Request &request)
{
    const std::string &path = request.path;
    const bool post = request.method == "POST";
    QJsonObject body;
    if (post && !request.body.empty()) {
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(QByteArray::fromStdString(request.body), &error);
        if (!document.isObject())
            return controlError(QStringLiteral("body must be a JSON object: %1").arg(error.errorString()));
        body = document.object();
    }
    if (path == "/_sim/health")
        return jsonReply(200, QJsonObject{{QStringLiteral("status"), QStringLiteral("ok")}});
    if ((path == "/_sim/stats" && !post) || (path == "/_sim/reset-stats" && post)) {
        if (post) {
            m_stats.reset();
            m_limits.resetStats();
            m_drift.resetStats();
        }
        QJsonObject stats = m_stats.toJson();
        stats.insert(QStringLiteral("limits"), m_limits.statsJson(m_tenants, m_clock.nowMs()));
        stats.insert(QStringLiteral("drift"), m_drift.statsJson());
        return jsonReply(200, stats);
    }
    if (path == "/_sim/clock")
        return controlClock(post, body);
    if (path == "/_sim/tenants")
        return controlTenants(post, body);
    if (path == "/_sim/limits") {
        if (post) {
            auto next = m_limits.configure(body);
            if (!next)
                return controlError(next.error().message);
            if (body.value(QLatin1String("reset_budgets")).toBool(false))
                m_tokens.clearIssueLog();
        }
        return jsonReply(200, m_limits.config().toJson());
    }
    if (path == "/_sim/info" && !post) {
        QJsonObject counts;
        std::shared_lock lock(m_dataMutex);
        for (SimEntity entity : allSimEntities)
            counts.insert(simEntityName(entity), m_data.size(entity));
        return jsonReply(200, QJsonObject{{QStringLiteral("seed"), QString::number(m_options.seed)},
                                          {QStringLiteral("org_id"), m_options.orgId},
                                          {QStringLiteral("api_domain"), QString::fromStdString(apiDomain())},
                                          {QStringLiteral("counts"), counts}});
    }
    if (path == "/_sim/faults") {
        std::lock_guard lock(m_configMutex);
        if (post) {
            auto next = m_faults.merged(body);
            if (!next)
                return controlError(next.error().message);
            m_faults = *next;
            if (body.contains(QLatin1String("drift")))
                m_drift.configure(m_faults.drift);
        }
        return jsonReply(200, m_faults.toJson());
    }
    if (path == "/_sim/oauth") {
        if (post) {
            if (const QString error = m_tokens.configure(body); !error.isEmpty())
                return controlError(error);
        }
        return jsonReply(200, m_tokens.toJson(m_clock.nowMs()));
    }
    if (path == "/_sim/mutate" && post)
        return controlMutate(body);
    if (path == "/_sim/notifications")
        return controlNotifications(post, body);
    if (path == "/_sim/channels")
        return controlChannels(post, body);
    if (path == "/_sim/webhook" && post)
        return controlWebhook(body);
    return jsonReply(404, QJsonObject{{QStringLiteral("error"), QStringLiteral("unknown control %1 %2")
                                                                   .arg(QString::fromStdString(request.method),
                                                                        QString::fromStdString(path))}});
}

SimReply SimService::controlWebhook(const QJsonObject &body)
{
    const QString url = body.value(QLatin1String("url")).toString();
    if (!SimWebhookSender::isLoopbackUrl(url))
        return controlError(QStringLiteral("url: expected an http:// URL on a loopback address"));
    QString entityName = body.value(QLatin1String("module")).toString();
    if (entityName.isEmpty())
        entityName = body.value(QLatin1String("entity")).toString();
    const auto entity = simEntityFromName(entityName);
    if (!entity)
        return controlError(QStringLiteral("module/entity: unknown '%1'").arg(entityName));
    const QString kind = body.value(QLatin1String("kind")).toString(isCrmEntity(*entity) ? QStringLiteral("crm")
                                                                                       : QStringLiteral("books"));
    if ((kind == QLatin1String("crm")) != isCrmEntity(*entity) || (kind != QLatin1String("crm") && kind != QLatin1String("books")))
        return controlError(QStringLiteral("kind '%1' does not fit entity '%2'").arg(kind, entityName));
    QStringList ids;
    for (const QJsonValue &value : body.value(QLatin1String("ids")).toArray())
        ids.append(value.isDouble() ? QString::number(value.toInteger()) : value.toString());
    if (ids.isEmpty())
        return controlError(QStringLiteral("ids: expected a non-empty array"));
    const QString operation = body.value(QLatin1String("operation")).toString(QStringLiteral("update"));

    std::vector<std::string> payloads;
    if (kind == QLatin1String("crm")) {
        const QJsonObject notification{
            {QStringLiteral("server_time"), m_clock.nowMs()},
            {QStringLiteral("query_params"), QJsonObject()},
            {QStringLiteral("module"), simEntityName(*entity)},
            {QStringLiteral("resource_uri"),
             QString::fromStdString(apiDomain()) + QStringLiteral("/crm/v2/") + simEntityName(*entity)},
            {QStringLiteral("ids"), QJsonArray::fromStringList(ids)},
            {QStringLiteral("affected_fields"), QJsonArray()},
            {QStringLiteral("operation"), operation},
            {QStringLiteral("channel_id"), body.value(QLatin1String("channel_id")).toString(QStringLiteral("1000000068001"))},
            {QStringLiteral("token"), body.value(QLatin1String("token")).toString()},
        };
        payloads.push_back(QJsonDocument(notification).toJson(QJsonDocument::Compact).toStdString());
    } else {
        // Books posts the entity itself, one request per record.
        std::shared_lock lock(m_dataMutex);
        for (const QString &id : ids) {
            const int index = m_data.indexOfId(*entity, id.toStdString());
            if (index < 0)
                return controlError(QStringLiteral("ids: unknown %1 id %2").arg(simEntityName(*entity), id));
            const std::string &json = m_data.records(*entity)[static_cast<std::size_t>(index)].json;
            payloads.push_back((*entity == SimEntity::Products ? R"({"item":)" : R"({"contact":)") + json + "}");
        }
    }
    const std::string secret = body.value(QLatin1String("secret")).toString().toStdString();
    int lastStatus = 0;
    for (const std::string &payload : payloads) {
        SimWebhookSender::Headers headers;
        if (kind == QLatin1String("books") && !secret.empty())
            headers.emplace_back("X-Zoho-Webhook-Signature", SimWebhookSender::signature(secret, payload));
        const auto status = SimWebhookSender::post(url, payload, headers, webhookTimeoutMs);
        if (!status)
            return jsonReply(502, QJsonObject{{QStringLiteral("delivered"), false},
                                              {QStringLiteral("error"), status.error().message}});
        lastStatus = *status;
    }
    return jsonReply(200, QJsonObject{{QStringLiteral("delivered"), true},
                                      {QStringLiteral("status"), lastStatus},
                                      {QStringLiteral("deliveries"), static_cast<int>(payloads.size())}});
}

}  // namespace tiersync::sim

namespace tiersync::sim {

SimReply SimService::controlClock(bool post, const QJsonObject &body)
{
    if (post) {
        for (auto it = body.begin(); it != body.end(); ++it) {
            if (it.key() != QLatin1String("advance_ms") && it.key() != QLatin1String("freeze"))
                return controlError(QStringLiteral("unknown clock control '%1'").arg(it.key()));
        }
        const QJsonValue advance = body.value(QLatin1String("advance_ms"));
        constexpr double maxAdvanceMs = 366.0 * 86'400'000;
        if (!advance.isUndefined()
            && (!advance.isDouble() || advance.toDouble() < 0 || advance.toDouble() > maxAdvanceMs
                || advance.toDouble() != static_cast<double>(advance.toInteger())))
            return controlError(QStringLiteral("advance_ms: expected a whole number of milliseconds in [0, %1]")
                                    .arg(static_cast<qint64>(maxAdvanceMs)));
        const QJsonValue freeze = body.value(QLatin1String("freeze"));
        if (!freeze.isUndefined() && !freeze.isBool())
            return controlError(QStringLiteral("freeze: expected true or false"));
        if (!freeze.isUndefined())
            m_clock.setFrozen(freeze.toBool());
        m_clock.advance(advance.toInteger(0));
    }
    return jsonReply(200, QJsonObject{{QStringLiteral("now_ms"), m_clock.nowMs()},
                                      {QStringLiteral("offset_ms"), m_clock.offsetMs()},
                                      {QStringLiteral("frozen"), m_clock.frozen()}});
}

SimReply SimService::controlTenants(bool post, const QJsonObject &body)
{
    if (!post)
        return jsonReply(200, QJsonObject{{QStringLiteral("tenants"), m_tenants.toJson()}});
    for (auto it = body.begin(); it != body.end(); ++it) {
        static const QStringList known{QStringLiteral("org_id"), QStringLiteral("client_id"),
                                       QStringLiteral("client_secret"), QStringLiteral("refresh_token")};
        if (!known.contains(it.key()))
            return controlError(QStringLiteral("unknown tenant field '%1'").arg(it.key()));
        if (!it.value().isString())
            return controlError(QStringLiteral("%1: expected a string").arg(it.key()));
    }
    const SimTenant tenant{body.value(QLatin1String("org_id")).toString(),
                           body.value(QLatin1String("client_id")).toString(),
                           body.value(QLatin1String("client_secret")).toString(),
                           body.value(QLatin1String("refresh_token")).toString()};
    const auto added = m_tenants.add(tenant);
    if (!added)
        return controlError(added.error().message);
    return jsonReply(200, QJsonObject{{QStringLiteral("org_id"), tenant.orgId},
                                      {QStringLiteral("client_id"), tenant.clientId},
                                      {QStringLiteral("created"), added->created},
                                      {QStringLiteral("tenants"), m_tenants.size()}});
}

}  // namespace tiersync::sim
