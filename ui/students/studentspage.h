#pragma once

#include "console/studentendpointread.h"
#include "core/connectionprofile.h"

#include <QHash>
#include <QString>
#include <QStringList>
#include <QWidget>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTableWidget;

namespace tiersync {
class StudentWorker;
struct StudentLookup;
}  // namespace tiersync

namespace tiersync::ui {

class Confirmer;

// One student as the dashboard sees it. The admin types a moodle_user_id (checked as
// the HTTP server checks it); every endpoint of the registry is read through the
// embedded engine (StudentWorker, its own thread) and shown with its data, the tier
// that answered, the cache age and the latency. Force refresh re-reads one endpoint
// or all of them from Zoho; Invalidate student counts the student's Redis keys first
// and deletes them only after a confirmation naming that count. A null worker (tests
// of other pages) leaves the page idle.
class StudentsPage final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StudentsPage)

public:
    StudentsPage(StudentWorker *worker, Confirmer *confirmer, QWidget *parent = nullptr);
    ~StudentsPage() override;

    void setProfile(const tiersync::ConnectionProfile &profile);
    // Types the id and looks it up, as the Look up button does.
    void lookUp(const QString &moodleUserId);
    // Selects the endpoint's row; false for an endpoint the registry does not know.
    bool selectEndpoint(const QString &endpoint);

Q_SIGNALS:
    void profileChanged(const tiersync::ConnectionProfile &profile);
    void lookupRequested(quint64 requestId, qint64 moodleUserId, const QString &endpoint, bool forceRefresh);
    void invalidateRequested(quint64 requestId, qint64 moodleUserId, bool dryRun);

private:
    void startLookup(const QString &endpoint, bool forceRefresh);
    void refreshSelected();
    void countStudentKeys();
    void cancelLookup();
    void onLookupFinished(const tiersync::StudentLookup &lookup);
    void onLookupFailed(quint64 requestId, const QString &message);
    void onInvalidated(quint64 requestId, qint64 moodleUserId, bool dryRun, qint64 keys);
    void onInvalidationFailed(quint64 requestId, const QString &message);
    void showRow(int row, const tiersync::StudentEndpointRead &read);
    void showSelected();
    void setBusy(bool busy, const QString &status = {});
    [[nodiscard]] bool parseId(qint64 *moodleUserId);
    [[nodiscard]] QString selectedEndpoint() const;

    StudentWorker *m_worker;
    Confirmer *m_confirmer;
    QLineEdit *m_id;
    QPushButton *m_lookup;
    QPushButton *m_refreshAll;
    QPushButton *m_refreshOne;
    QPushButton *m_invalidate;
    QPushButton *m_cancel;
    QProgressBar *m_progress;
    QLabel *m_status;
    QTableWidget *m_endpoints;
    QLabel *m_dataTitle;
    QLabel *m_source;
    QPlainTextEdit *m_data;
    QStringList m_endpointNames;
    QHash<QString, tiersync::StudentEndpointRead> m_reads;  // by endpoint, of m_shownId
    qint64 m_shownId = 0;
    quint64 m_requestId = 0;
    bool m_busy = false;
    bool m_haveProfile = false;
};

}  // namespace tiersync::ui
