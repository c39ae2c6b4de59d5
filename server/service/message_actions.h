// Threads, messages, live delivery and read markers (actions.h): message_actions.cc.
#pragma once

#include "kring/v1/kring.pb.h"
#include "server/core/status.h"
#include "server/service/request_context.h"

namespace kring::service {

Status CreateThread(RequestContext& ctx, const v1::CreateThreadRequest& req);
Status ListThreads(RequestContext& ctx, const v1::ListThreadsRequest& req);
Status PostMessage(RequestContext& ctx, const v1::PostMessageRequest& req);
Status FetchHistory(RequestContext& ctx, const v1::FetchHistoryRequest& req);
Status Subscribe(RequestContext& ctx, const v1::SubscribeRequest& req);
Status Unsubscribe(RequestContext& ctx, const v1::UnsubscribeRequest& req);
Status MarkRead(RequestContext& ctx, const v1::MarkReadRequest& req);
Status ListReadMarkers(RequestContext& ctx, const v1::ListReadMarkersRequest& req);

}  // namespace kring::service
