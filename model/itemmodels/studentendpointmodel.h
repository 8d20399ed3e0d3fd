#pragma once

#include "cache/endpointdefinition.h"
#include "console/studentlookup.h"

#include <QAbstractTableModel>
#include <QList>
#include <QString>

#include <optional>

namespace tiersync {

// The Students page's table: one row per dashboard endpoint of the registry, in registry
// order, showing the shown student's last answer from each (the tier that answered, the
// cache age, the engine's latency, the records or why there is none). The page marks the
// rows a lookup reads, then hands the lookup's answer over; the model keeps every read of
// the shown student, so the page's data pane reads them back from here. Text is made
// here; colours and fonts are the view's (SourceRole, AnsweredRole).
class StudentEndpointModel final : public QAbstractTableModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StudentEndpointModel)

public:
    enum Column { NameColumn, SourceColumn, AgeColumn, LatencyColumn, ResultColumn, DescriptionColumn, ColumnCount };
    enum Role {
        EndpointRole = Qt::UserRole + 1,  // the endpoint's name, every column
        AnsweredRole,  // bool: the last read answered; invalid while the row has no read
        SourceRole,    // int(ReadSource) of an answered read; invalid otherwise
    };

    explicit StudentEndpointModel(QList<EndpointDefinition> endpoints, QObject *parent = nullptr);
    ~StudentEndpointModel() override;

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] int columnCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    [[nodiscard]] QVariant headerData(int section, Qt::Orientation orientation,
                                      int role = Qt::DisplayRole) const override;

    [[nodiscard]] QStringList endpoints() const;
    // -1 for an endpoint the registry does not know.
    [[nodiscard]] int rowOf(const QString &endpoint) const;
    // The student whose reads the rows show (0: none yet).
    [[nodiscard]] qint64 student() const { return m_student; }
    // The endpoint's last read of the shown student, if it was read.
    [[nodiscard]] std::optional<StudentEndpointRead> readOf(const QString &endpoint) const;

    // Shows this student: another student than the shown one empties every row.
    void showStudent(qint64 moodleUserId);
    // The endpoint's row (every row for an empty endpoint) says it is being read.
    void markReading(const QString &endpoint);
    // A lookup of the shown student ended: its reads fill their rows; rows still marked
    // reading say they were skipped (a cancelled lookup) or show what they showed before.
    void applyLookup(const StudentLookup &lookup);
    // Nothing was read: rows marked reading show what they showed before.
    void abandonReading();

    // "42 s", "3 min 20 s", "2 h 5 min"
    [[nodiscard]] static QString ageText(qint64 seconds);
    // "0.42 ms", "12.5 ms", "1.20 s"
    [[nodiscard]] static QString latencyText(qint64 us);
    // "3 records", "1 record" (an object), "no record" (null)
    [[nodiscard]] static QString recordsText(const QByteArray &dataJson);

private:
    enum class Mark { None, Reading, Skipped };
    struct Row {
        EndpointDefinition endpoint;
        std::optional<StudentEndpointRead> read;
        Mark mark = Mark::None;
    };

    [[nodiscard]] QVariant display(const Row &row, int column) const;
    void rowsChanged(int first, int last);

    QList<Row> m_rows;
    qint64 m_student = 0;
};

}  // namespace tiersync
