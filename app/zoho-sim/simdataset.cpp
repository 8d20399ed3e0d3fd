#include "simdataset.h"

#include "simrandom.h"
#include "simtime.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace tiersync::sim {
namespace {

// Random streams: one per entity for content, and separate ones for times and counts,
// so adding a field to a record never shifts another record's data.
enum Stream : quint64 { ContentStream = 0, TimeStream = 100, CountStream = 200 };

constexpr qint64 epoch2021 = 1609459200;  // 2021-01-01T00:00:00Z
constexpr qint64 epochCap = 1719705600;   // 2024-06-30T00:00:00Z
constexpr int threeYearsS = 3 * 365 * 86400;
constexpr int halfYearS = 180 * 86400;

const QString firstNames[] = {
    QStringLiteral("Aarav"), QStringLiteral("Maya"),   QStringLiteral("Liam"),  QStringLiteral("Priya"),
    QStringLiteral("Noah"),  QStringLiteral("Zara"),   QStringLiteral("Ethan"), QStringLiteral("Ananya"),
    QStringLiteral("Lucas"), QStringLiteral("Sofia"),  QStringLiteral("Omar"),  QStringLiteral("Chloe"),
    QStringLiteral("Ravi"),  QStringLiteral("Hannah"), QStringLiteral("Mateo"), QStringLiteral("Ingrid")};
const QString lastNames[] = {
    QStringLiteral("Sharma"), QStringLiteral("Okafor"), QStringLiteral("Nguyen"), QStringLiteral("Garcia"),
    QStringLiteral("Smith"),  QStringLiteral("Kowalski"), QStringLiteral("Haddad"), QStringLiteral("Tanaka"),
    QStringLiteral("Müller"), QStringLiteral("Rossi"),  QStringLiteral("Patel"),  QStringLiteral("O'Brien"),
    QStringLiteral("Silva"),  QStringLiteral("Larsen"), QStringLiteral("Iyer"),   QStringLiteral("Dubois")};
const QString adjectives[] = {
    QStringLiteral("Rugged"), QStringLiteral("Compact"), QStringLiteral("Wireless"), QStringLiteral("Premium"),
    QStringLiteral("Classic"), QStringLiteral("Smart"), QStringLiteral("Portable"), QStringLiteral("Eco")};
const QString nouns[] = {
    QStringLiteral("Hard Drive"), QStringLiteral("Keyboard"), QStringLiteral("Monitor"), QStringLiteral("Router"),
    QStringLiteral("Headset"), QStringLiteral("Webcam"), QStringLiteral("Desk Lamp"), QStringLiteral("Backpack"),
    QStringLiteral("Textbook"), QStringLiteral("Calculator"), QStringLiteral("Lab Coat"), QStringLiteral("Tablet")};
const QString units[] = {QStringLiteral("pcs"), QStringLiteral("box"), QStringLiteral("kg"), QStringLiteral("hours")};
const QString companies[] = {
    QStringLiteral("Acme"), QStringLiteral("Globex"), QStringLiteral("Initech"), QStringLiteral("Umbrella"),
    QStringLiteral("Stark"), QStringLiteral("Wayne"), QStringLiteral("Tyrell"), QStringLiteral("Hooli")};
const QString companySuffixes[] = {QStringLiteral("Ltd"), QStringLiteral("Inc"), QStringLiteral("GmbH"),
                                   QStringLiteral("Pvt Ltd"), QStringLiteral("LLC")};
const QString programs[] = {QStringLiteral("Computer Science"), QStringLiteral("Mechanical Engineering"),
                            QStringLiteral("Business Administration"), QStringLiteral("Biology"),
                            QStringLiteral("Mathematics"), QStringLiteral("Fine Arts")};
const QString studentStatuses[] = {QStringLiteral("Active"), QStringLiteral("Active"), QStringLiteral("Active"),
                                   QStringLiteral("On Leave"), QStringLiteral("Graduated")};
const QString courses[] = {QStringLiteral("Calculus I"), QStringLiteral("Linear Algebra"),
                           QStringLiteral("Data Structures"), QStringLiteral("Thermodynamics"),
                           QStringLiteral("Microeconomics"), QStringLiteral("Organic Chemistry"),
                           QStringLiteral("Art History"), QStringLiteral("Statistics")};
const QString terms[] = {QStringLiteral("2022 Fall"), QStringLiteral("2023 Spring"), QStringLiteral("2023 Fall"),
                         QStringLiteral("2024 Spring")};
const QString paymentStatuses[] = {QStringLiteral("Paid"), QStringLiteral("Pending"), QStringLiteral("Overdue")};
const QString schedules[] = {QStringLiteral("Mon/Wed 09:00-10:30"), QStringLiteral("Tue/Thu 11:00-12:30"),
                             QStringLiteral("Mon/Wed/Fri 14:00-15:00"), QStringLiteral("Fri 10:00-13:00")};
const QString instructors[] = {QStringLiteral("Dr. Mensah"), QStringLiteral("Prof. Lindqvist"),
                               QStringLiteral("Dr. Rao"), QStringLiteral("Prof. Alvarez")};
const QString requestSubjects[] = {QStringLiteral("Transcript request"), QStringLiteral("Course withdrawal"),
                                   QStringLiteral("Fee waiver"), QStringLiteral("Dorm maintenance"),
                                   QStringLiteral("Exam re-evaluation")};
const QString requestCategories[] = {QStringLiteral("Academic"), QStringLiteral("Finance"),
                                     QStringLiteral("Housing")};
const QString requestStatuses[] = {QStringLiteral("Open"), QStringLiteral("In Progress"),
                                   QStringLiteral("Resolved")};

struct Tax final {
    const char *id;
    const char *name;
    const char *percentage;
};
const Tax taxes[] = {{"982000000037049", "Sales Tax", "8.25%"},
                     {"982000000037051", "GST", "18%"},
                     {"982000000037053", "VAT", "20%"}};

QString digits(quint64 value, int width)
{
    return QStringLiteral("%1").arg(value, width, 10, QLatin1Char('0'));
}

int crmModuleDigit(SimEntity entity)
{
    return simEntityIndex(entity) - simEntityIndex(SimEntity::Students) + 1;
}

QString s(const std::string &text)
{
    return QString::fromStdString(text);
}

double money(double value)
{
    return std::round(value * 100.0) / 100.0;
}

}  // namespace

SimDataSet::SimDataSet(quint64 seed, int products, int customers, int students) : m_seed(seed)
{
    generateBooks(SimEntity::Products, products);
    generateBooks(SimEntity::Customers, customers);
    generateStudents(students);
    index(SimEntity::Students);  // children name their student through the index
    generateChildren(SimEntity::Grades, 3, 8);
    generateChildren(SimEntity::Payments, 1, 4);
    generateChildren(SimEntity::Classes, 2, 5);
    generateChildren(SimEntity::Requests, 0, 3);
    for (SimEntity entity : allSimEntities) {
        if (entity != SimEntity::Students)
            index(entity);
        m_nextSerial[static_cast<std::size_t>(simEntityIndex(entity))] = size(entity);
    }
}

const std::vector<SimRecord> &SimDataSet::records(SimEntity entity) const
{
    return m_records[static_cast<std::size_t>(simEntityIndex(entity))];
}

int SimDataSet::size(SimEntity entity) const
{
    return static_cast<int>(records(entity).size());
}

int SimDataSet::indexOfId(SimEntity entity, std::string_view id) const
{
    const auto &map = m_byId[static_cast<std::size_t>(simEntityIndex(entity))];
    const auto it = map.find(std::string(id));
    return it == map.end() ? -1 : it->second;
}

const std::vector<int> &SimDataSet::indicesOfMoodleUser(SimEntity entity, int moodleUserId) const
{
    static const std::vector<int> none;
    const auto slot = static_cast<std::size_t>(simEntityIndex(entity));
    const auto &lists = m_byMoodleUser[slot];
    if (moodleUserId <= 0)
        return none;
    if (moodleUserId < static_cast<int>(lists.size()))
        return lists[static_cast<std::size_t>(moodleUserId)];
    const auto it = m_byMoodleUserOverflow[slot].find(moodleUserId);
    return it == m_byMoodleUserOverflow[slot].end() ? none : it->second;
}

std::optional<std::string> SimDataSet::studentIdOf(int moodleUserId) const
{
    const std::vector<int> &indices = indicesOfMoodleUser(SimEntity::Students, moodleUserId);
    if (indices.empty())
        return std::nullopt;
    return records(SimEntity::Students)[static_cast<std::size_t>(indices.front())].id;
}

QJsonObject SimDataSet::object(SimEntity entity, int index) const
{
    const std::string &json = records(entity)[static_cast<std::size_t>(index)].json;
    return QJsonDocument::fromJson(QByteArray::fromRawData(json.data(), static_cast<qsizetype>(json.size())))
        .object();
}

void SimDataSet::mutate(SimEntity entity, int index, qint64 nowS)
{
    SimRecord &record = m_records[static_cast<std::size_t>(simEntityIndex(entity))][static_cast<std::size_t>(index)];
    ++record.revision;
    record.modifiedS = std::max(record.modifiedS + 1, nowS);
    record.json = build(entity, record);
}

std::vector<int> SimDataSet::pickIndices(SimEntity entity, int count, quint64 drawSeed) const
{
    std::vector<int> all(static_cast<std::size_t>(size(entity)));
    std::iota(all.begin(), all.end(), 0);
    count = std::clamp(count, 0, static_cast<int>(all.size()));
    SimRandom random(m_seed, 900 + static_cast<quint64>(simEntityIndex(entity)), drawSeed);
    // Partial Fisher–Yates: the first `count` slots end up a uniform sample.
    for (int i = 0; i < count; ++i) {
        const int j = random.range(i, static_cast<int>(all.size()) - 1);
        std::swap(all[static_cast<std::size_t>(i)], all[static_cast<std::size_t>(j)]);
    }
    all.resize(static_cast<std::size_t>(count));
    std::sort(all.begin(), all.end());
    return all;
}

void SimDataSet::generateBooks(SimEntity entity, int count)
{
    auto &list = m_records[static_cast<std::size_t>(simEntityIndex(entity))];
    list.reserve(static_cast<std::size_t>(count));
    const QString prefix = entity == SimEntity::Products ? QStringLiteral("46") : QStringLiteral("47");
    QList<QString> names;
    names.reserve(count);
    for (int serial = 0; serial < count; ++serial) {
        SimRecord record;
        record.serial = serial;
        record.id = (prefix + digits(static_cast<quint64>(serial) + 1, 13)).toStdString();
        SimRandom times(m_seed, TimeStream + static_cast<quint64>(simEntityIndex(entity)), static_cast<quint64>(serial));
        record.createdS = epoch2021 + times.range(0, threeYearsS);
        record.modifiedS = std::min(epochCap, record.createdS + times.range(0, halfYearS));
        record.json = build(entity, record);
        list.push_back(std::move(record));
    }
    // Books lists are sorted by name (page_context says so); names are unique, so the
    // order is total and stays put when records are mutated.
    std::stable_sort(list.begin(), list.end(), [entity](const SimRecord &a, const SimRecord &b) {
        return booksName(entity, a) < booksName(entity, b);
    });
}

std::string_view SimDataSet::booksName(SimEntity entity, const SimRecord &record)
{
    const char *nameKey = entity == SimEntity::Products ? "\"name\":\"" : "\"contact_name\":\"";
    const std::size_t at = record.json.find(nameKey) + std::char_traits<char>::length(nameKey);
    return std::string_view(record.json).substr(at, record.json.find('"', at) - at);
}

void SimDataSet::generateStudents(int count)
{
    auto &list = m_records[static_cast<std::size_t>(simEntityIndex(SimEntity::Students))];
    list.reserve(static_cast<std::size_t>(count));
    for (int serial = 0; serial < count; ++serial) {
        SimRecord record;
        record.serial = serial;
        record.moodleUserId = serial + 1;
        record.id = student(record.moodleUserId).id;
        SimRandom times(m_seed, TimeStream + static_cast<quint64>(simEntityIndex(SimEntity::Students)),
                        static_cast<quint64>(serial));
        record.createdS = epoch2021 + times.range(0, threeYearsS);
        record.modifiedS = std::min(epochCap, record.createdS + times.range(0, halfYearS));
        record.json = build(SimEntity::Students, record);
        list.push_back(std::move(record));
    }
}

void SimDataSet::generateChildren(SimEntity entity, int minPerStudent, int maxPerStudent)
{
    const auto entityIndex = static_cast<quint64>(simEntityIndex(entity));
    const auto &students = records(SimEntity::Students);
    auto &list = m_records[static_cast<std::size_t>(entityIndex)];
    int serial = 0;
    for (const SimRecord &owner : students) {
        SimRandom countRandom(m_seed, CountStream + entityIndex, static_cast<quint64>(owner.serial));
        const int count = countRandom.range(minPerStudent, maxPerStudent);
        for (int i = 0; i < count; ++i, ++serial) {
            SimRecord record;
            record.serial = serial;
            record.moodleUserId = owner.moodleUserId;
            record.id = (QStringLiteral("36523970") + QString::number(crmModuleDigit(entity))
                         + digits(static_cast<quint64>(serial) + 1, 10))
                            .toStdString();
            SimRandom times(m_seed, TimeStream + entityIndex, static_cast<quint64>(serial));
            // A student's records come after the student exists.
            record.createdS = std::min(epochCap, owner.createdS + times.range(0, halfYearS));
            record.modifiedS = std::min(epochCap, record.createdS + times.range(0, halfYearS));
            record.json = build(entity, record);
            list.push_back(std::move(record));
        }
    }
}

void SimDataSet::index(SimEntity entity)
{
    const auto slot = static_cast<std::size_t>(simEntityIndex(entity));
    const auto &list = m_records[slot];
    auto &byId = m_byId[slot];
    byId.clear();
    byId.reserve(list.size());
    // The dense part keeps its size once made: the generated students' Moodle ids.
    auto &byUser = m_byMoodleUser[slot];
    const std::size_t dense = byUser.empty() ? static_cast<std::size_t>(size(SimEntity::Students)) + 1 : byUser.size();
    byUser.assign(dense, {});
    m_byMoodleUserOverflow[slot].clear();
    for (int i = 0; i < static_cast<int>(list.size()); ++i) {
        const SimRecord &record = list[static_cast<std::size_t>(i)];
        byId.emplace(record.id, i);
        if (isCrmEntity(entity))
            moodleSlot(slot, record.moodleUserId).push_back(i);
    }
}

std::vector<int> &SimDataSet::moodleSlot(std::size_t entitySlot, int moodleUserId)
{
    auto &dense = m_byMoodleUser[entitySlot];
    if (moodleUserId >= 0 && moodleUserId < static_cast<int>(dense.size()))
        return dense[static_cast<std::size_t>(moodleUserId)];
    return m_byMoodleUserOverflow[entitySlot][moodleUserId];
}

std::string SimDataSet::build(SimEntity entity, const SimRecord &record) const
{
    QJsonObject object;
    switch (entity) {
    case SimEntity::Products: object = buildProduct(record); break;
    case SimEntity::Customers: object = buildCustomer(record); break;
    case SimEntity::Students: object = buildStudent(record); break;
    default: object = buildChild(entity, record); break;
    }
    return QJsonDocument(object).toJson(QJsonDocument::Compact).toStdString();
}

QJsonObject SimDataSet::buildProduct(const SimRecord &record) const
{
    SimRandom random(m_seed, ContentStream + static_cast<quint64>(simEntityIndex(SimEntity::Products)),
                     static_cast<quint64>(record.serial));
    const QString &adjective = random.pick(adjectives);
    const QString &noun = random.pick(nouns);
    const QString name = record.name.empty()
                             ? QStringLiteral("%1 %2 %3").arg(adjective, noun, digits(static_cast<quint64>(record.serial) + 1, 5))
                             : s(record.name);
    const Tax &tax = random.pick(taxes);
    const double baseRate = money(5 + random.unit() * 995);
    const bool goods = random.chance(0.8);
    const bool active = random.chance(0.92);
    const QString &unit = random.pick(units);
    const QString handling = random.chance(0.3) ? QStringLiteral("Fragile") : QStringLiteral("Normal");
    QString description = QStringLiteral("%1 %2 for campus use").arg(adjective, noun.toLower());
    if (record.revision > 0)
        description += QStringLiteral(" (rev %1)").arg(record.revision);
    return QJsonObject{
        {QStringLiteral("item_id"), s(record.id)},
        {QStringLiteral("name"), name},
        {QStringLiteral("status"), active ? QStringLiteral("active") : QStringLiteral("inactive")},
        {QStringLiteral("description"), description},
        {QStringLiteral("rate"), money(baseRate + 1.25 * record.revision)},
        {QStringLiteral("unit"), unit},
        {QStringLiteral("tax_id"), QString::fromLatin1(tax.id)},
        {QStringLiteral("tax_name"), QString::fromLatin1(tax.name)},
        {QStringLiteral("tax_percentage"), QString::fromLatin1(tax.percentage)},
        {QStringLiteral("sku"), QStringLiteral("SKU-%1").arg(digits(static_cast<quint64>(record.serial) + 1, 6))},
        {QStringLiteral("product_type"), goods ? QStringLiteral("goods") : QStringLiteral("service")},
        {QStringLiteral("item_type"), QStringLiteral("sales_and_purchases")},
        {QStringLiteral("custom_fields"),
         QJsonArray{QJsonObject{{QStringLiteral("customfield_id"), QStringLiteral("46000000012845")},
                                {QStringLiteral("label"), QStringLiteral("Handling")},
                                {QStringLiteral("value"), handling}}}},
        {QStringLiteral("created_time"), s(formatBooksTime(record.createdS))},
        {QStringLiteral("last_modified_time"), s(formatBooksTime(record.modifiedS))},
    };
}

QJsonObject SimDataSet::buildCustomer(const SimRecord &record) const
{
    SimRandom random(m_seed, ContentStream + static_cast<quint64>(simEntityIndex(SimEntity::Customers)),
                     static_cast<quint64>(record.serial));
    const QString &first = random.pick(firstNames);
    const QString &last = random.pick(lastNames);
    const QString company = QStringLiteral("%1 %2 %3").arg(random.pick(companies), random.pick(lastNames),
                                                           random.pick(companySuffixes));
    const bool active = random.chance(0.95);
    const double outstanding = random.chance(0.4) ? money(random.unit() * 5000) : 0.0;
    const QString phone = QStringLiteral("+1-555-%1").arg(digits(static_cast<quint64>(random.range(0, 9999999)), 7));
    // The serial keeps contact names (and so the sort order) unique.
    const QString contactName = record.name.empty()
                                    ? QStringLiteral("%1 %2 %3").arg(first, last, digits(static_cast<quint64>(record.serial) + 1, 5))
                                    : s(record.name);
    const QString email = QStringLiteral("%1.%2%3@example.com")
                              .arg(first.toLower(), QString(last).remove(QLatin1Char('\'')).toLower())
                              .arg(record.serial + 1);
    return QJsonObject{
        {QStringLiteral("contact_id"), s(record.id)},
        {QStringLiteral("contact_name"), contactName},
        {QStringLiteral("company_name"), company},
        {QStringLiteral("first_name"), first},
        {QStringLiteral("last_name"), last},
        {QStringLiteral("contact_type"), QStringLiteral("customer")},
        {QStringLiteral("status"), active ? QStringLiteral("active") : QStringLiteral("inactive")},
        {QStringLiteral("email"), email},
        {QStringLiteral("phone"), phone},
        {QStringLiteral("currency_code"), QStringLiteral("USD")},
        {QStringLiteral("outstanding_receivable_amount"), money(outstanding + 10.5 * record.revision)},
        {QStringLiteral("created_time"), s(formatBooksTime(record.createdS))},
        {QStringLiteral("last_modified_time"), s(formatBooksTime(record.modifiedS))},
    };
}

std::string SimDataSet::crmId(SimEntity entity, quint64 number)
{
    return (QStringLiteral("36523970") + QString::number(crmModuleDigit(entity)) + digits(number, 10)).toStdString();
}

SimDataSet::Student SimDataSet::student(int moodleUserId) const
{
    SimRandom random(m_seed, 300, static_cast<quint64>(moodleUserId));
    Student result;
    result.firstName = random.pick(firstNames);
    result.lastName = random.pick(lastNames);
    result.fullName = result.firstName + QLatin1Char(' ') + result.lastName;
    result.email = QStringLiteral("%1.%2.%3@student.example.edu")
                       .arg(result.firstName.toLower(), QString(result.lastName).remove(QLatin1Char('\'')).toLower())
                       .arg(moodleUserId);
    result.id = (QStringLiteral("36523970") + QString::number(crmModuleDigit(SimEntity::Students))
                 + digits(static_cast<quint64>(moodleUserId), 10))
                    .toStdString();
    return result;
}

QJsonObject SimDataSet::buildStudent(const SimRecord &record) const
{
    const Student who = student(record.moodleUserId);
    SimRandom random(m_seed, ContentStream + static_cast<quint64>(simEntityIndex(SimEntity::Students)),
                     static_cast<quint64>(record.serial));
    const int year = random.range(1, 4);
    const QString &program = random.pick(programs);
    const QString &status = random.pick(studentStatuses);
    const int credits = random.range(0, 30) + 30 * (year - 1);
    return QJsonObject{
        {QStringLiteral("id"), s(record.id)},
        {QStringLiteral("Name"), who.fullName},
        {QStringLiteral("Moodle_User_ID"), QString::number(record.moodleUserId)},
        {QStringLiteral("First_Name"), who.firstName},
        {QStringLiteral("Last_Name"), who.lastName},
        {QStringLiteral("Full_Name"), who.fullName},
        {QStringLiteral("Email"), who.email},
        {QStringLiteral("Phone"), QStringLiteral("+91-98%1").arg(digits(static_cast<quint64>(random.range(0, 99999999)), 8))},
        {QStringLiteral("Program"), program},
        {QStringLiteral("Year"), year},
        {QStringLiteral("Status"), status},
        {QStringLiteral("Credits_Earned"), credits + 3 * static_cast<int>(record.revision)},
        {QStringLiteral("Enrollment_Date"), s(formatDate(record.createdS))},
        {QStringLiteral("Created_Time"), s(formatCrmTime(record.createdS))},
        {QStringLiteral("Modified_Time"), s(formatCrmTime(record.modifiedS))},
    };
}

QJsonObject SimDataSet::buildChild(SimEntity entity, const SimRecord &record) const
{
    const Student who = student(record.moodleUserId);
    SimRandom random(m_seed, ContentStream + static_cast<quint64>(simEntityIndex(entity)),
                     static_cast<quint64>(record.serial));
    const auto revision = static_cast<int>(record.revision);
    QJsonObject object{
        {QStringLiteral("id"), s(record.id)},
        {QStringLiteral("Moodle_User_ID"), QString::number(record.moodleUserId)},
        {QStringLiteral("Student"), QJsonObject{{QStringLiteral("id"), s(studentIdOf(record.moodleUserId).value_or(who.id))},
                                                {QStringLiteral("name"), who.fullName}}},
        {QStringLiteral("Created_Time"), s(formatCrmTime(record.createdS))},
        {QStringLiteral("Modified_Time"), s(formatCrmTime(record.modifiedS))},
    };
    switch (entity) {
    case SimEntity::Grades: {
        const QString &course = random.pick(courses);
        const int score = (random.range(40, 100) + 7 * revision) % 101;
        const char *letter = score >= 90 ? "A" : score >= 80 ? "B" : score >= 70 ? "C" : score >= 60 ? "D" : "F";
        object.insert(QStringLiteral("Name"), QStringLiteral("GR-%1").arg(digits(static_cast<quint64>(record.serial) + 1, 6)));
        object.insert(QStringLiteral("Course"), course);
        object.insert(QStringLiteral("Score"), score);
        object.insert(QStringLiteral("Letter_Grade"), QString::fromLatin1(letter));
        object.insert(QStringLiteral("Term"), random.pick(terms));
        object.insert(QStringLiteral("Credits"), random.range(2, 5));
        break;
    }
    case SimEntity::Payments: {
        const double amount = money(200 + random.unit() * 4800);
        const qint64 dueS = record.createdS + random.range(14, 90) * 86400;
        const int statusIndex = (random.range(0, 2) + revision) % 3;
        object.insert(QStringLiteral("Name"), QStringLiteral("INV-%1").arg(digits(static_cast<quint64>(record.serial) + 1, 6)));
        object.insert(QStringLiteral("Amount"), amount);
        object.insert(QStringLiteral("Currency"), QStringLiteral("USD"));
        object.insert(QStringLiteral("Due_Date"), s(formatDate(dueS)));
        object.insert(QStringLiteral("Status"), paymentStatuses[statusIndex]);
        object.insert(QStringLiteral("Amount_Paid"), statusIndex == 0 ? amount : money(amount * 0.1 * revision));
        break;
    }
    case SimEntity::Classes: {
        const QString &course = random.pick(courses);
        object.insert(QStringLiteral("Name"), QStringLiteral("CL-%1").arg(digits(static_cast<quint64>(record.serial) + 1, 6)));
        object.insert(QStringLiteral("Class_Name"), course);
        object.insert(QStringLiteral("Schedule"), random.pick(schedules));
        object.insert(QStringLiteral("Room"), QStringLiteral("B%1-%2").arg(random.range(1, 9)).arg(random.range(100, 340) + revision));
        object.insert(QStringLiteral("Instructor"), random.pick(instructors));
        object.insert(QStringLiteral("Term"), random.pick(terms));
        break;
    }
    case SimEntity::Requests: {
        const int statusIndex = (random.range(0, 2) + revision) % 3;
        object.insert(QStringLiteral("Name"), QStringLiteral("RQ-%1").arg(digits(static_cast<quint64>(record.serial) + 1, 6)));
        object.insert(QStringLiteral("Subject"), random.pick(requestSubjects));
        object.insert(QStringLiteral("Category"), random.pick(requestCategories));
        object.insert(QStringLiteral("Status"), requestStatuses[statusIndex]);
        object.insert(QStringLiteral("Created"), s(formatCrmTime(record.createdS)));
        break;
    }
    default: break;
    }
    return object;
}

}  // namespace tiersync::sim
