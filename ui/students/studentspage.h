#pragma once

#include "console/studentreadservice.h"
#include "core/connectionprofile.h"

#include <QString>
#include <QWidget>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTableView;

namespace tiersync {
class StudentEndpointModel;
}  // namespace tiersync

namespace tiersync::ui {

class Confirmer;

// One student as the dashboard sees it. The admin types a moodle_user_id (checked as
// the HTTP server checks it); every endpoint of the registry is read through the
// StudentReadService and shown with its data, the tier that answered, the cache age and
// the latency (a StudentEndpointModel). Force refresh re-reads one endpoint or all of
// them from Zoho; Invalidate student counts the student's Redis keys first and deletes
// them only after a confirmation naming that count. A window built without the service
// (another page's test) leaves the page idle: it never gets a profile.
class StudentsPage final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StudentsPage)

public:
    StudentsPage(StudentReadService *service, Confirmer *confirmer, QWidget *parent = nullptr);
    ~StudentsPage() override;

    void setProfile(const tiersync::ConnectionProfile &profile);
    // Types the id and looks it up, as the Look up button does.
    void lookUp(const QString &moodleUserId);
    // Selects the endpoint's row; false for an endpoint the registry does not know.
    bool selectEndpoint(const QString &endpoint);
    [[nodiscard]] StudentEndpointModel *endpointModel() const { return m_model; }

private:
    void startLookup(const QString &endpoint, bool forceRefresh);
    void refreshSelected();
    void countStudentKeys();
    void cancelLookup();
    void onLookupFinished(const tiersync::StudentLookup &lookup);
    void onInvalidated(quint64 requestId, qint64 moodleUserId, bool dryRun, qint64 keys);
    void onFailed(tiersync::StudentReadService::Request call, quint64 requestId, const tiersync::ServiceError &error);
    void showSelected();
    void setBusy(bool busy, const QString &status = {});
    [[nodiscard]] bool parseId(qint64 *moodleUserId);
    [[nodiscard]] QString selectedEndpoint() const;

    StudentReadService *m_service;
    Confirmer *m_confirmer;
    QLineEdit *m_id;
    QPushButton *m_lookup;
    QPushButton *m_refreshAll;
    QPushButton *m_refreshOne;
    QPushButton *m_invalidate;
    QPushButton *m_cancel;
    QProgressBar *m_progress;
    QLabel *m_status;
    StudentEndpointModel *m_model;
    QTableView *m_endpoints;
    QLabel *m_dataTitle;
    QLabel *m_source;
    QPlainTextEdit *m_data;
    quint64 m_requestId = 0;  // the lookup or invalidation under way, or the last one
    bool m_busy = false;
    bool m_haveProfile = false;
};

}  // namespace tiersync::ui
