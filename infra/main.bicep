// Commerce async customers: storage account (channel tables, queues, HQ tables), Linux Python
// function app on the Consumption plan, Application Insights. Deploy with:
//   az deployment group create -g <rg> -f infra/main.bicep -p adminApiKey=<secret>
// then publish the code with Core Tools: func azure functionapp publish <appName>

@description('Base name of every resource (lower-case letters and digits).')
@minLength(3)
@maxLength(16)
param baseName string = 'asynccust'

param location string = resourceGroup().location

@secure()
@description('Bearer key of the admin endpoints. The app refuses to start without it.')
param adminApiKey string

@description('NCRONTAB schedule of the conversion batch (six fields).')
param conversionSchedule string = '0 */5 * * * *'

@description('Seconds a sync create waits for HQ before falling back to async.')
param hqTimeoutSeconds string = '2'

@description('Connection string of the HQ tables; empty means the app storage account.')
@secure()
param hqStorageConnection string = ''

param customerAccountFormat string = 'C{number:09d}'

var storageName = take('${baseName}${uniqueString(resourceGroup().id)}', 24)
var appName = '${baseName}-${uniqueString(resourceGroup().id)}'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageName
  location: location
  sku: { name: 'Standard_LRS' }
  kind: 'StorageV2'
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    supportsHttpsTrafficOnly: true
  }
}

var storageConnection = 'DefaultEndpointsProtocol=https;AccountName=${storage.name};EndpointSuffix=${environment().suffixes.storage};AccountKey=${storage.listKeys().keys[0].value}'

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${appName}-ai'
  location: location
  kind: 'web'
  properties: { Application_Type: 'web' }
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: '${appName}-plan'
  location: location
  sku: { name: 'Y1', tier: 'Dynamic' }
  kind: 'functionapp'
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2023-12-01' = {
  name: appName
  location: location
  kind: 'functionapp,linux'
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      linuxFxVersion: 'Python|3.11'
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
      appSettings: [
        { name: 'FUNCTIONS_EXTENSION_VERSION', value: '~4' }
        { name: 'FUNCTIONS_WORKER_RUNTIME', value: 'python' }
        { name: 'AzureWebJobsFeatureFlags', value: 'EnableWorkerIndexing' }
        { name: 'AzureWebJobsStorage', value: storageConnection }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
        { name: 'ADMIN_API_KEY', value: adminApiKey }
        { name: 'CONVERSION_SCHEDULE', value: conversionSchedule }
        { name: 'HQ_TIMEOUT_SECONDS', value: hqTimeoutSeconds }
        { name: 'HQ_STORAGE_CONNECTION', value: hqStorageConnection }
        { name: 'CUSTOMER_ACCOUNT_FORMAT', value: customerAccountFormat }
      ]
    }
  }
}

output functionAppName string = app.name
output storageAccountName string = storage.name
