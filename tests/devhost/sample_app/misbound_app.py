"""An app the worker would refuse to index: a parameter without a binding, an output not `Out`."""

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="unbound")
def unbound(req: func.HttpRequest, customer_id: str) -> func.HttpResponse:
    return func.HttpResponse(customer_id)


@app.route(route="plain-output")
@app.queue_output(arg_name="outbox", queue_name="outbox", connection="AzureWebJobsStorage")
def plain_output(req: func.HttpRequest, outbox: str) -> func.HttpResponse:
    return func.HttpResponse("ok")
