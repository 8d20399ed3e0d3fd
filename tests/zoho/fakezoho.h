#pragma once

#include "core/zohosettings.h"

#include <QString>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace httplib {
class Server;
}

namespace tiersync::test {

// A scripted stand-in for Zoho: an httplib server on 127.0.0.1 (free port) running on
// a background thread. The token endpoint and the API are separate handlers that a
// test replaces; every request is recorded.
class FakeZoho final {
public:
    struct Request {
        std::string method;
        std::string path;
        std::multimap<std::string, std::string> params;
        std::string authorization;
        std::string ifModifiedSince;
        std::string body;

        [[nodiscard]] std::string param(const std::string &name) const;
        [[nodiscard]] bool hasParam(const std::string &name) const;
    };
    struct Reply {
        int status = 200;
        std::string body;
        std::string contentType = "application/json;charset=UTF-8";
        std::vector<std::pair<std::string, std::string>> headers;
        int delayMs = 0;
    };
    using Handler = std::function<Reply(const Request &)>;

    FakeZoho();
    ~FakeZoho();
    FakeZoho(const FakeZoho &) = delete;
    FakeZoho &operator=(const FakeZoho &) = delete;

    // Settings pointing both the API and the accounts server at this fake.
    [[nodiscard]] ZohoSettings settings() const;
    [[nodiscard]] QString baseUrl() const;

    void onApi(Handler handler);
    void onToken(Handler handler);

    [[nodiscard]] int tokenRequests() const { return m_tokenRequests.load(); }
    [[nodiscard]] int apiRequests() const { return m_apiRequests.load(); }
    [[nodiscard]] std::vector<Request> apiLog() const;
    [[nodiscard]] std::vector<Request> tokenLog() const;

    // JSON helpers.
    static Reply json(int status, std::string body);
    // Default token answer: "tok-<n>" valid for expiresInSeconds.
    static Reply token(int n, int expiresInSeconds = 3600);

private:
    Reply dispatch(const Request &request, bool isToken);

    std::unique_ptr<httplib::Server> m_server;
    std::thread m_thread;
    int m_port = 0;
    mutable std::mutex m_mutex;
    Handler m_api;
    Handler m_token;
    std::vector<Request> m_apiLog;
    std::vector<Request> m_tokenLog;
    std::atomic<int> m_tokenRequests{0};
    std::atomic<int> m_apiRequests{0};
};

}  // namespace tiersync::test
