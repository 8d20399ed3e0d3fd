#include "zoho/zohoservice.h"

#include "zoho/zohoclient.h"

#include <QThread>

namespace tiersync {

ZohoService::ZohoService(ZohoSettings settings, ZohoClientOptions options, QObject *parent)
    : QObject(parent)
    , m_thread(new QThread(this))
    , m_client(new ZohoClient(std::move(settings), std::move(options)))
{
    m_thread->setObjectName(QStringLiteral("tiersync-zoho"));
    m_client->moveToThread(m_thread);
    // Deferred deletes posted on finished still run on that thread before it ends.
    connect(m_thread, &QThread::finished, m_client, &QObject::deleteLater);
    m_thread->start();
}

ZohoService::~ZohoService()
{
    m_thread->quit();
    m_thread->wait();
}

ZohoApi ZohoService::api() const
{
    return ZohoApi(m_client);
}

}  // namespace tiersync
