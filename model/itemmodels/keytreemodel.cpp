#include "itemmodels/keytreemodel.h"

#include <QMetaObject>
#include <QSet>

#include <utility>

#include <algorithm>
#include <unordered_map>

namespace tiersync {

namespace {

QByteArray lastSegment(const QByteArray &key)
{
    const qsizetype at = key.lastIndexOf(KeyTreeModel::kSeparator);
    return at < 0 ? key : key.mid(at + 1);
}

}  // namespace

KeyTreeModel::KeyTreeModel(QObject *parent) : QAbstractItemModel(parent)
{
    clear();
}

KeyTreeModel::~KeyTreeModel() = default;

void KeyTreeModel::clear()
{
    beginResetModel();
    m_toExpose.clear();
    m_root = std::make_unique<Node>();
    m_root->self.owner = m_root.get();
    m_root->keyAnchor = {m_root.get(), true};
    m_root->fetched = true;
    endResetModel();
}

int KeyTreeModel::rowsOf(const Node *node)
{
    return int(node->children.size() + size_t(node->keys.size()));
}

QModelIndex KeyTreeModel::indexOf(const Node *node, int column) const
{
    if (node == m_root.get())
        return {};
    return createIndex(node->row, column, const_cast<Item *>(&node->self));
}

QModelIndex KeyTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    if (!hasIndex(row, column, parent))
        return {};
    Node *node = parent.isValid() ? static_cast<Item *>(parent.internalPointer())->owner : m_root.get();
    if (row < int(node->children.size()))
        return createIndex(row, column, &node->children[size_t(row)]->self);
    return createIndex(row, column, &node->keyAnchor);
}

QModelIndex KeyTreeModel::parent(const QModelIndex &child) const
{
    if (!child.isValid())
        return {};
    const auto *item = static_cast<const Item *>(child.internalPointer());
    if (item->isKeyAnchor)
        return indexOf(item->owner);
    return indexOf(item->owner->parent);
}

int KeyTreeModel::rowCount(const QModelIndex &parent) const
{
    if (parent.column() > 0)
        return 0;
    if (!parent.isValid())
        return rowsOf(m_root.get());
    const auto *item = static_cast<const Item *>(parent.internalPointer());
    if (item->isKeyAnchor || !item->owner->fetched)
        return 0;
    return rowsOf(item->owner);
}

int KeyTreeModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

bool KeyTreeModel::hasChildren(const QModelIndex &parent) const
{
    if (parent.column() > 0)
        return false;
    if (!parent.isValid())
        return rowsOf(m_root.get()) > 0;
    const auto *item = static_cast<const Item *>(parent.internalPointer());
    return !item->isKeyAnchor && rowsOf(item->owner) > 0;
}

QVariant KeyTreeModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const auto *item = static_cast<const Item *>(index.internalPointer());
    const Node *node = item->owner;
    if (item->isKeyAnchor) {
        const QByteArray &key = node->keys.at(index.row() - qsizetype(node->children.size()));
        switch (role) {
        case Qt::DisplayRole:
            if (index.column() == NameColumn) {
                const QByteArray name = lastSegment(key);
                return QString::fromUtf8(name.isEmpty() ? key : name);
            }
            return {};
        case Qt::ToolTipRole:
            return QString::fromUtf8(key);
        case KeyRole:
            return key;
        case IsNamespaceRole:
            return false;
        default:
            return {};
        }
    }
    switch (role) {
    case Qt::DisplayRole:
        if (index.column() == NameColumn)
            return QString::fromUtf8(node->segment) + QLatin1Char(kSeparator);
        return node->keyCount;
    case Qt::ToolTipRole:
        return QString::fromUtf8(prefixOf(node));
    case Qt::TextAlignmentRole:
        if (index.column() == CountColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case KeyRole:
        return prefixOf(node);
    case IsNamespaceRole:
        return true;
    case KeyCountRole:
        return node->keyCount;
    default:
        return {};
    }
}

QVariant KeyTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole || orientation != Qt::Horizontal)
        return {};
    if (section == NameColumn)
        return tr("Namespace / key");
    if (section == CountColumn)
        return tr("Keys");
    return {};
}

bool KeyTreeModel::canFetchMore(const QModelIndex &parent) const
{
    if (!parent.isValid() || parent.column() > 0)
        return false;
    const auto *item = static_cast<const Item *>(parent.internalPointer());
    return !item->isKeyAnchor && !item->owner->fetched && rowsOf(item->owner) > 0;
}

void KeyTreeModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    // Shown on the next event-loop pass rather than inside the call: views (and
    // QAbstractItemModelTester) call fetchMore() from within their handlers of other
    // row signals, and a model must not start an insertion while one is being reported.
    const bool first = m_toExpose.isEmpty();
    m_toExpose.append(QPersistentModelIndex(parent));
    if (first)
        QMetaObject::invokeMethod(this, &KeyTreeModel::exposePending, Qt::QueuedConnection);
}

void KeyTreeModel::exposePending()
{
    const QList<QPersistentModelIndex> pending = std::exchange(m_toExpose, {});
    for (const QPersistentModelIndex &index : pending) {
        if (!index.isValid() || !canFetchMore(index))
            continue;  // removed meanwhile, or already shown
        Node *node = static_cast<Item *>(index.internalPointer())->owner;
        // Sorted once, when first shown; later arrivals append, so rows never move.
        std::sort(node->keys.begin(), node->keys.end());
        std::sort(node->children.begin(), node->children.end(),
                  [](const auto &a, const auto &b) { return a->segment < b->segment; });
        for (size_t i = 0; i < node->children.size(); ++i)
            node->children[i]->row = int(i);
        beginInsertRows(index, 0, rowsOf(node) - 1);
        node->fetched = true;
        endInsertRows();
    }
}

QByteArray KeyTreeModel::prefixOf(const Node *node)
{
    QList<QByteArray> segments;
    for (const Node *n = node; n && n->parent; n = n->parent)
        segments.prepend(n->segment);
    return segments.join(kSeparator) + kSeparator;
}

KeyTreeModel::Node *KeyTreeModel::newChild(Node *parent, const QByteArray &segment)
{
    auto child = std::make_unique<Node>();
    Node *raw = child.get();
    raw->self.owner = raw;
    raw->keyAnchor = {raw, true};
    raw->segment = segment;
    raw->parent = parent;
    raw->row = int(parent->children.size());
    parent->children.push_back(std::move(child));
    parent->childBySegment.insert(segment, raw);
    return raw;
}

void KeyTreeModel::addKeys(const QList<QByteArray> &keys)
{
    // Group the page per namespace first, so each namespace gets one insertion per kind.
    struct Pending {
        qsizetype firstNewChild = -1;
        QList<QByteArray> keys;
    };
    QHash<Node *, Pending> pending;
    QSet<Node *> counted;
    // New namespaces are created straight away (rows are announced below, before any
    // view can ask), so later keys of the page find them.
    QHash<Node *, int> childrenBefore;
    for (const QByteArray &key : keys) {
        Node *node = m_root.get();
        qsizetype start = 0;
        for (qsizetype colon = key.indexOf(kSeparator); colon >= 0; colon = key.indexOf(kSeparator, start)) {
            const QByteArray segment = key.mid(start, colon - start);
            Node *child = node->childBySegment.value(segment);
            if (!child) {
                if (!childrenBefore.contains(node))
                    childrenBefore.insert(node, int(node->children.size()));
                child = newChild(node, segment);
            }
            ++node->keyCount;
            node = child;
            start = colon + 1;
        }
        ++node->keyCount;
        pending[node].keys.append(key);
        for (Node *n = node; n; n = n->parent)
            counted.insert(n);
    }
    // New sub-namespaces were appended after the existing ones, before the keys. Detach
    // them all first, so the model the view sees matches what it was told at every
    // signal, then announce them namespace by namespace.
    std::unordered_map<Node *, std::vector<std::unique_ptr<Node>>> detached;
    for (auto it = childrenBefore.cbegin(); it != childrenBefore.cend(); ++it) {
        Node *node = it.key();
        auto &fresh = detached[node];
        for (size_t i = size_t(it.value()); i < node->children.size(); ++i)
            fresh.push_back(std::move(node->children[i]));
        node->children.resize(size_t(it.value()));
    }
    for (auto &[node, fresh] : detached) {
        const int before = int(node->children.size());
        const int added = int(fresh.size());
        if (node->fetched)
            beginInsertRows(indexOf(node), before, before + added - 1);
        for (auto &child : fresh)
            node->children.push_back(std::move(child));
        if (node->fetched)
            endInsertRows();
    }
    for (auto it = pending.begin(); it != pending.end(); ++it) {
        Node *node = it.key();
        if (!node->fetched) {
            node->keys.append(it->keys);
            continue;
        }
        const int first = rowsOf(node);
        beginInsertRows(indexOf(node), first, first + int(it->keys.size()) - 1);
        node->keys.append(it->keys);
        endInsertRows();
    }
    for (Node *node : std::as_const(counted)) {
        if (node != m_root.get() && node->parent->fetched)
            Q_EMIT dataChanged(indexOf(node, NameColumn), indexOf(node, CountColumn));
    }
}

KeyTreeModel::Node *KeyTreeModel::findNamespace(const QByteArray &key) const
{
    Node *node = m_root.get();
    qsizetype start = 0;
    for (qsizetype colon = key.indexOf(kSeparator); colon >= 0; colon = key.indexOf(kSeparator, start)) {
        node = node->childBySegment.value(key.mid(start, colon - start));
        if (!node)
            return nullptr;
        start = colon + 1;
    }
    return node;
}

void KeyTreeModel::removeKeys(const QList<QByteArray> &keys)
{
    for (const QByteArray &key : keys) {
        Node *node = findNamespace(key);
        if (!node)
            continue;
        const qsizetype at = node->keys.indexOf(key);
        if (at < 0)
            continue;
        if (node->fetched) {
            const int row = int(node->children.size() + size_t(at));
            beginRemoveRows(indexOf(node), row, row);
            node->keys.removeAt(at);
            endRemoveRows();
        } else {
            node->keys.removeAt(at);
        }
        for (Node *n = node; n; n = n->parent) {
            --n->keyCount;
            if (n != m_root.get() && n->parent->fetched && n->keyCount > 0)
                Q_EMIT dataChanged(indexOf(n, NameColumn), indexOf(n, CountColumn));
        }
        pruneEmpty(node);
    }
}

void KeyTreeModel::pruneEmpty(Node *node)
{
    while (node != m_root.get() && node->keyCount == 0) {
        Node *parent = node->parent;
        const int row = node->row;
        const bool visible = parent->fetched;
        if (visible)
            beginRemoveRows(indexOf(parent), row, row);
        parent->childBySegment.remove(node->segment);
        parent->children.erase(parent->children.begin() + row);
        for (size_t i = size_t(row); i < parent->children.size(); ++i)
            parent->children[i]->row = int(i);
        if (visible)
            endRemoveRows();
        node = parent;
    }
}

qint64 KeyTreeModel::totalKeys() const
{
    return m_root->keyCount;
}

}  // namespace tiersync
