#include "fakezoho.h"

#include <httplib.h>

#include <chrono>

namespace tiersync::test {

std::string FakeZoho::Request::param(const std::string &name) const
{
    const auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
}

bool FakeZoho::Request::hasParam(const std::string &name) const
{
    return params.find(name) != params.end();
}

FakeZoho::FakeZoho()
    : m_server(std::make_unique<httplib::Server>())
{
    m_token = [this](const Request &) { return token(m_tokenRequests.load()); };
    m_api = [](const Request &) { return json(200, R"({"data":[],"info":{"more_records":false}})"); };

    const auto handle = [this](const httplib::Request &req, httplib::Response &res) {
        Request request;
        request.method = req.method;
        request.path = req.path;
        request.params = req.params;
        request.authorization = req.get_header_value("Authorization");
        request.ifModifiedSince = req.get_header_value("If-Modified-Since");
        request.body = req.body;
        const bool isToken = req.path == "/oauth/v2/token";
        const Reply reply = dispatch(request, isToken);
        if (reply.delayMs > 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(reply.delayMs));
        res.status = reply.status;
        for (const auto &[name, value] : reply.headers)
            res.set_header(name.c_str(), value);
        if (!reply.body.empty())
            res.set_content(reply.body, reply.contentType.c_str());
    };
    const std::string any = R"(/.*)";
    m_server->Get(any, handle);
    m_server->Post(any, handle);
    m_server->Put(any, handle);
    m_server->Delete(any, handle);
    m_server->set_keep_alive_timeout(1);
    m_port = m_server->bind_to_any_port("127.0.0.1");
    m_thread = std::thread([this] { m_server->listen_after_bind(); });
}

FakeZoho::~FakeZoho()
{
    m_server->stop();
    if (m_thread.joinable())
        m_thread.join();
}

ZohoSettings FakeZoho::settings() const
{
    ZohoSettings settings;
    settings.apiBase = baseUrl();
    settings.accountsUrl = baseUrl();
    settings.orgId = QStringLiteral("ORG1");
    settings.clientId = QStringLiteral("client-1");
    settings.clientSecret = Secret(QStringLiteral("s3cret+/="));
    settings.refreshToken = Secret(QStringLiteral("1000.refresh"));
    return settings;
}

QString FakeZoho::baseUrl() const
{
    return QStringLiteral("http://127.0.0.1:%1").arg(m_port);
}

void FakeZoho::onApi(Handler handler)
{
    const std::lock_guard lock(m_mutex);
    m_api = std::move(handler);
}

void FakeZoho::onToken(Handler handler)
{
    const std::lock_guard lock(m_mutex);
    m_token = std::move(handler);
}

std::vector<FakeZoho::Request> FakeZoho::apiLog() const
{
    const std::lock_guard lock(m_mutex);
    return m_apiLog;
}

std::vector<FakeZoho::Request> FakeZoho::tokenLog() const
{
    const std::lock_guard lock(m_mutex);
    return m_tokenLog;
}

FakeZoho::Reply FakeZoho::json(int status, std::string body)
{
    Reply reply;
    reply.status = status;
    reply.body = std::move(body);
    return reply;
}

FakeZoho::Reply FakeZoho::token(int n, int expiresInSeconds)
{
    return json(200, R"({"access_token":"tok-)" + std::to_string(n) + R"(","expires_in":)"
                         + std::to_string(expiresInSeconds)
                         + R"(,"api_domain":"https://www.zohoapis.com","token_type":"Bearer"})");
}

FakeZoho::Reply FakeZoho::dispatch(const Request &request, bool isToken)
{
    Handler handler;
    {
        const std::lock_guard lock(m_mutex);
        if (isToken) {
            ++m_tokenRequests;
            m_tokenLog.push_back(request);
            handler = m_token;
        } else {
            ++m_apiRequests;
            m_apiLog.push_back(request);
            handler = m_api;
        }
    }
    return handler(request);
}

}  // namespace tiersync::test
