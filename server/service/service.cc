#include "server/service/service.h"

// PLACEHOLDER while the service is written: answers every request with UNIMPLEMENTED and
// undecodable frames with INVALID_ARGUMENT, so the transport and SDK can be built against it.

namespace kring::service {

class ServiceImpl {};

namespace {

class PlaceholderConnection final : public Connection {
 public:
  explicit PlaceholderConnection(std::shared_ptr<ConnectionSink> sink) : sink_(std::move(sink)) {}
  void OnFrame(std::string_view bytes) override {
    v1::ClientFrame in;
    v1::ServerFrame out;
    auto* response = out.mutable_response();
    if (!in.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      response->mutable_error()->set_code(v1::Error::INVALID_ARGUMENT);
      response->mutable_error()->set_detail("frame is not a kring.v1.ClientFrame");
    } else {
      response->set_request_id(in.request_id());
      response->mutable_error()->set_code(v1::Error::UNIMPLEMENTED);
      response->mutable_error()->set_detail("not implemented yet");
    }
    sink_->Send(std::make_shared<const std::string>(out.SerializeAsString()));
  }
  void OnClosed() override {}

 private:
  std::shared_ptr<ConnectionSink> sink_;
};

}  // namespace

Service::Service(storage::Store&, const Clock&, Random&, ServiceOptions) {}
Service::~Service() { Stop(); }
Status Service::Start() { return Status::Ok(); }
void Service::Stop() {}
std::shared_ptr<Connection> Service::Accept(std::shared_ptr<ConnectionSink> sink, PeerInfo) {
  return std::make_shared<PlaceholderConnection>(std::move(sink));
}
bool Service::Ready() const { return true; }
StatusOr<v1::Account> Service::CreateAccountOffline(const v1::CreateAccountRequest&) {
  return Unimplemented("not implemented yet");
}
StatusOr<bool> Service::HasAccounts() const { return false; }

}  // namespace kring::service
