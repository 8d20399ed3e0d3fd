#pragma once

#include <QAbstractItemModel>
#include <QByteArray>
#include <QHash>
#include <QList>
#include <QPersistentModelIndex>

#include <memory>
#include <vector>

namespace tiersync {

// The key browser's namespace tree: keys split on ':' ("tiersync:v1:ep:grades:7" sits
// under tiersync › v1 › ep › grades). Built incrementally as SCAN pages arrive; a
// namespace shows its children only once a view expands it (canFetchMore/fetchMore),
// so a million keys cost no rows in the view until someone looks. Each namespace knows
// how many keys lie below it (column 1), counted as keys arrive.
//
// Rows of a namespace: its sub-namespaces first, in the order they were first seen,
// then its own keys. Keys are stored once, as the full key (implicitly shared with
// whoever passed them in); callers dedupe (KeyListModel::appendPage does).
class KeyTreeModel final : public QAbstractItemModel {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KeyTreeModel)

public:
    enum Role {
        KeyRole = Qt::UserRole + 1,  // the full key (leaves) or the prefix ending in ':' (namespaces)
        IsNamespaceRole,
        KeyCountRole,
    };
    enum Column { NameColumn, CountColumn, ColumnCount };

    static constexpr char kSeparator = ':';

    explicit KeyTreeModel(QObject *parent = nullptr);
    ~KeyTreeModel() override;

    [[nodiscard]] QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    [[nodiscard]] QModelIndex parent(const QModelIndex &child) const override;
    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] int columnCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] bool hasChildren(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    [[nodiscard]] QVariant headerData(int section, Qt::Orientation orientation,
                                      int role = Qt::DisplayRole) const override;
    [[nodiscard]] bool canFetchMore(const QModelIndex &parent) const override;
    // Shows the namespace's children on the next event-loop pass (see the .cpp).
    void fetchMore(const QModelIndex &parent) override;

    void clear();
    // One page of new keys: at most two row insertions and one count update per
    // namespace the page touched.
    void addKeys(const QList<QByteArray> &keys);
    void removeKeys(const QList<QByteArray> &keys);

    [[nodiscard]] qint64 totalKeys() const;

private:
    struct Node;
    // What an index's internal pointer refers to: a namespace, or the key list of one
    // (a leaf index points at its namespace's keyAnchor).
    struct Item {
        Node *owner = nullptr;
        bool isKeyAnchor = false;
    };
    struct Node {
        Item self;
        Item keyAnchor;
        QByteArray segment;
        Node *parent = nullptr;
        int row = 0;  // among parent->children
        std::vector<std::unique_ptr<Node>> children;
        QHash<QByteArray, Node *> childBySegment;
        QList<QByteArray> keys;
        qint64 keyCount = 0;  // keys in this namespace and below
        bool fetched = false;
    };

    [[nodiscard]] QModelIndex indexOf(const Node *node, int column = 0) const;
    [[nodiscard]] static int rowsOf(const Node *node);
    [[nodiscard]] static QByteArray prefixOf(const Node *node);
    [[nodiscard]] Node *findNamespace(const QByteArray &key) const;
    Node *newChild(Node *parent, const QByteArray &segment);
    void pruneEmpty(Node *node);
    void exposePending();

    std::unique_ptr<Node> m_root;
    QList<QPersistentModelIndex> m_toExpose;
};

}  // namespace tiersync
