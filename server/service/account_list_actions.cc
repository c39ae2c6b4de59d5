// Listing and finding accounts: `kring user list` and `kring user find` (admins).
#include <algorithm>
#include <string>
#include <string_view>

#include "server/core/text.h"
#include "server/service/account_actions.h"
#include "server/service/records.h"
#include "server/service/service_impl.h"

namespace kring::service {

namespace {

constexpr uint32_t kDefaultPage = 100;
constexpr uint32_t kMaxPage = 1000;
constexpr size_t kMaxQueryBytes = 200;

char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Whether `text` contains `needle` (already lower case), ignoring the case of A-Z only: other
// scripts match as written, so "Amina" finds "amina" but "Émile" needs its É.
bool ContainsFolded(std::string_view text, std::string_view needle) {
  auto it = std::search(text.begin(), text.end(), needle.begin(), needle.end(),
                        [](char a, char b) { return AsciiLower(a) == b; });
  return it != text.end();
}

}  // namespace

Status ListAccounts(RequestContext& ctx, const v1::ListAccountsRequest& req) {
  const storage::Store& store = ctx.service().store;
  AuditDraft& audit = ctx.audit();
  KRING_ASSIGN_OR_RETURN(Actor actor, ctx.Authenticate(store, &audit));
  KRING_RETURN_IF_ERROR(AuthorizeAccountAdmin(actor));
  if (!IsValidUtf8(req.query()) || req.query().size() > kMaxQueryBytes) {
    return InvalidArgument("the query must be valid UTF-8 of at most 200 bytes");
  }
  std::string needle = req.query();
  std::transform(needle.begin(), needle.end(), needle.begin(), AsciiLower);
  const size_t limit = req.limit() == 0 ? kDefaultPage : std::min(req.limit(), kMaxPage);

  v1::Response response;
  auto* result = response.mutable_list_accounts();
  uint64_t last_id = 0;
  // One match past the page tells whether more follow, so a page is never cut silently.
  KRING_RETURN_IF_ERROR(
      records::ScanAccounts(store, req.after_id(), [&](const store::AccountRecord& record) {
        const v1::Account& account = record.account();
        if (!needle.empty() && !ContainsFolded(account.handle(), needle) &&
            !ContainsFolded(account.display_name(), needle)) {
          return true;
        }
        if (static_cast<size_t>(result->accounts_size()) == limit) {
          result->set_next_after_id(last_id);
          return false;
        }
        *result->add_accounts() = account;
        last_id = account.id();
        return true;
      }));
  audit.event.set_count(static_cast<uint64_t>(result->accounts_size()));
  ctx.Answer(std::move(response));
  return Status::Ok();
}

}  // namespace kring::service
