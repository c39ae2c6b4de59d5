// ListAccounts (account_list_actions.cc): admins only, paged by id, never cut silently, and
// `query` matching handle or display name whatever the case of A-Z.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/server/service/service_fixture.h"

namespace kring::service::testing {
namespace {

class ListAccountsTest : public ServiceTest {
 protected:
  v1::Response List(TestApp& app, const std::string& query, uint64_t after_id = 0,
                    uint32_t limit = 0) {
    v1::ClientFrame f;
    f.mutable_list_accounts()->set_query(query);
    f.mutable_list_accounts()->set_after_id(after_id);
    f.mutable_list_accounts()->set_limit(limit);
    return app.Call(f);
  }

  static std::vector<std::string> Handles(const v1::Response& r) {
    std::vector<std::string> out;
    for (const auto& a : r.list_accounts().accounts()) out.push_back(a.handle());
    return out;
  }

  void CreateNamed(const std::string& handle, const std::string& display_name) {
    v1::CreateAccountRequest req;
    req.set_handle(handle);
    req.set_kind(v1::ACCOUNT_KIND_MEMBER);
    req.set_display_name(display_name);
    req.set_password(kPassword);
    ASSERT_TRUE(service_->CreateAccountOffline(req).ok()) << handle;
  }
};

TEST_F(ListAccountsTest, AnAdminSeesEveryAccountByIdDisabledOnesToo) {
  CreateNamed("amina", "Amina Yusuf");
  CreateNamed("jo", "Jo de Vries");
  auto admin = LoggedIn("admin");
  v1::ClientFrame disable;
  disable.mutable_disable_account()->set_handle("jo");
  ASSERT_FALSE(admin->Call(disable).has_error());

  v1::Response r = List(*admin, "");
  ASSERT_FALSE(r.has_error()) << r.error().detail();
  EXPECT_EQ(Handles(r), (std::vector<std::string>{"admin", "amina", "jo"}));
  EXPECT_TRUE(r.list_accounts().accounts(2).disabled());
  EXPECT_EQ(r.list_accounts().next_after_id(), 0u);
}

TEST_F(ListAccountsTest, OnlyAdminsMayList) {
  auto amina = Person("amina", v1::ACCOUNT_KIND_CLIENT);
  auto audrey = Person("audrey", v1::ACCOUNT_KIND_AUDITOR);
  EXPECT_EQ(CodeOf(List(*amina, "")), v1::Error::PERMISSION_DENIED);
  EXPECT_EQ(CodeOf(List(*audrey, "a")), v1::Error::PERMISSION_DENIED);
  EXPECT_EQ(CodeOf(List(*Connect(), "")), v1::Error::UNAUTHENTICATED);
}

TEST_F(ListAccountsTest, FindMatchesHandleOrDisplayNameIgnoringCase) {
  CreateNamed("amina", "Amina Yusuf");
  CreateNamed("jo", "Jo de Vries");
  CreateNamed("sam", "Samuel YUSUF");
  CreateNamed("ruth", "ሩት ተስፋይ");
  auto admin = LoggedIn("admin");
  EXPECT_EQ(Handles(List(*admin, "yusuf")), (std::vector<std::string>{"amina", "sam"}));
  EXPECT_EQ(Handles(List(*admin, "AMI")), (std::vector<std::string>{"amina"}));
  EXPECT_EQ(Handles(List(*admin, "de v")), (std::vector<std::string>{"jo"}));
  EXPECT_EQ(Handles(List(*admin, "ተስፋይ")), (std::vector<std::string>{"ruth"}));
  EXPECT_TRUE(Handles(List(*admin, "nobody")).empty());
  EXPECT_EQ(CodeOf(List(*admin, std::string(201, 'a'))), v1::Error::INVALID_ARGUMENT);
  EXPECT_EQ(CodeOf(List(*admin, "\xff")), v1::Error::INVALID_ARGUMENT);
}

TEST_F(ListAccountsTest, PagesSayWhereToGoOnAndNeverPromiseAnEmptyPage) {
  for (int i = 0; i < 5; ++i) CreateNamed("m" + std::to_string(i), i % 2 ? "odd" : "even");
  auto admin = LoggedIn("admin");
  // admin, m0..m4: pages of two.
  std::vector<std::string> seen;
  uint64_t after = 0;
  int pages = 0;
  do {
    v1::Response r = List(*admin, "", after, 2);
    ASSERT_FALSE(r.has_error()) << r.error().detail();
    ASSERT_LE(r.list_accounts().accounts_size(), 2);
    ASSERT_GT(r.list_accounts().accounts_size(), 0) << "a page promised more but gave none";
    for (const auto& h : Handles(r)) seen.push_back(h);
    after = r.list_accounts().next_after_id();
    ++pages;
  } while (after != 0 && pages < 10);
  EXPECT_EQ(seen, (std::vector<std::string>{"admin", "m0", "m1", "m2", "m3", "m4"}));
  EXPECT_EQ(pages, 3);

  // With a query: "even" is m0, m2, m4; a page of two says more follow, the last says none.
  v1::Response first = List(*admin, "even", 0, 2);
  EXPECT_EQ(Handles(first), (std::vector<std::string>{"m0", "m2"}));
  ASSERT_NE(first.list_accounts().next_after_id(), 0u);
  v1::Response second = List(*admin, "even", first.list_accounts().next_after_id(), 2);
  EXPECT_EQ(Handles(second), (std::vector<std::string>{"m4"}));
  EXPECT_EQ(second.list_accounts().next_after_id(), 0u);
  // "odd" is m1, m3: exactly one page of two, and nothing promised after it.
  v1::Response odd = List(*admin, "odd", 0, 2);
  EXPECT_EQ(Handles(odd), (std::vector<std::string>{"m1", "m3"}));
  EXPECT_EQ(odd.list_accounts().next_after_id(), 0u);
  EXPECT_TRUE(List(*admin, "", UINT64_MAX).list_accounts().accounts().empty());
}

TEST_F(ListAccountsTest, PipelinedListsAreEachAnswered) {
  CreateNamed("amina", "Amina Yusuf");
  auto admin = LoggedIn("admin");
  std::vector<uint64_t> ids;
  for (int i = 0; i < 30; ++i) {
    v1::ClientFrame f;
    f.mutable_list_accounts()->set_query(i % 2 ? "amina" : "");
    ids.push_back(admin->Send(f));
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    v1::Response r = admin->sink().WaitResponse(ids[i]);
    ASSERT_FALSE(r.has_error()) << r.error().detail();
    EXPECT_EQ(r.list_accounts().accounts_size(), i % 2 ? 1 : 2);
  }
}

}  // namespace
}  // namespace kring::service::testing
