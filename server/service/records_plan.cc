// The shared plan (issue 15, item 1): the plan as it is now, its dated changes and its formal
// versions, each under the network's id (docs/plan.md, "Where it is kept").
#include "server/service/records.h"
#include "server/service/records_internal.h"

namespace kring::service::records {

StatusOr<store::PlanRecord> GetPlan(const ReadView& view, uint64_t network_id) {
  KRING_ASSIGN_OR_RETURN(auto record,
                         GetProto<store::PlanRecord>(view, Table::kPlans, U64(network_id)));
  if (record) return std::move(*record);
  store::PlanRecord empty;
  empty.mutable_plan()->set_network_id(network_id);
  empty.set_next_item_id(1);
  return empty;
}

void PutPlanChange(Transaction& txn, const store::PlanRecord& plan, const v1::PlanChange& change) {
  const uint64_t network_id = plan.plan().network_id();
  PutProto(txn, Table::kPlans, U64(network_id), plan);
  PutProto(txn, Table::kPlanChanges, U64U64(network_id, change.seq()), change);
}

StatusOr<std::vector<v1::PlanChange>> PlanChanges(const ReadView& view, uint64_t network_id,
                                                  uint64_t after_seq, size_t limit) {
  std::vector<v1::PlanChange> out;
  bool corrupt = false;
  const std::string prefix = U64(network_id);
  KRING_RETURN_IF_ERROR(view.Scan(
      Table::kPlanChanges, U64U64(network_id, after_seq + 1), storage::keys::PrefixEnd(prefix),
      limit, [&](std::string_view, std::string_view value) {
        v1::PlanChange change;
        corrupt = !change.ParseFromArray(value.data(), static_cast<int>(value.size()));
        if (!corrupt) out.push_back(std::move(change));
        return !corrupt;
      }));
  if (corrupt) return Internal("corrupt record in table plan_changes");
  return out;
}

StatusOr<std::optional<v1::PlanVersion>> GetPlanVersion(const ReadView& view, uint64_t network_id,
                                                        uint32_t number) {
  return GetProto<v1::PlanVersion>(view, Table::kPlanVersions, U64U64(network_id, number));
}

void PutPlanVersion(Transaction& txn, const v1::PlanVersion& version) {
  PutProto(txn, Table::kPlanVersions, U64U64(version.network_id(), version.number()), version);
}

StatusOr<std::vector<v1::PlanVersion>> PlanVersions(const ReadView& view, uint64_t network_id) {
  KRING_ASSIGN_OR_RETURN(auto versions,
                         ScanProtos<v1::PlanVersion>(view, Table::kPlanVersions, network_id));
  for (v1::PlanVersion& version : versions) version.clear_plan();
  return versions;
}

}  // namespace kring::service::records
